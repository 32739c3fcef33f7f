"""The one error type a user can cause and fix; everything else is a bug."""


class PipelineError(Exception):
    """A problem with the user's input or config, shown as one line without a traceback.

    The message names the file/line or config key and says what to do.
    """
