"""The one error type a user can cause and fix; everything else is a bug."""

from __future__ import annotations

import errno


class PipelineError(Exception):
    """A problem with the user's input or config, shown as one line without a traceback.

    The message names the file/line or config key and says what to do.
    """


def os_error_advice(exc: OSError) -> str:
    """What to do about an operating-system error: free space, fix permissions, ..."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free some disk space and rerun"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "check its permissions"
    if exc.errno == errno.ENOENT:
        return "check the path, or run dvc repro to make the files a stage needs"
    return "check the file and the disk"
