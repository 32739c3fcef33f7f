"""What every stage entry point shares: arguments, config, and one-line errors."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable

from pipeline.common.atomic import formula_guard
from pipeline.common.config import PipelineConfig, load_config
from pipeline.common.errors import PipelineError, os_error_advice


def stage_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every stage takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", required=True, help="the params file (configs/pipeline.yaml)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def run(main: Callable[[argparse.Namespace, PipelineConfig], None],
        parser: argparse.ArgumentParser, first: bool = False) -> None:
    """Validate the config, run the stage, and turn a user error into one line + exit 2.

    first: no stage of the pipeline comes before this one (so a failure here cannot leave
    outputs of two runs side by side).
    """
    args = parser.parse_args()
    debug = args.debug or os.environ.get("PIPELINE_DEBUG") == "1"
    started = time.perf_counter()
    try:
        config = load_config(args.config)
    except PipelineError as exc:
        _fail(exc, debug, "")
    try:
        with formula_guard(config.output.csv_formula_guard):
            main(args, config)
    except (PipelineError, OSError) as exc:
        _fail(exc, debug, "" if first else mixed_outputs_note(_stage_name()))
    except KeyboardInterrupt:
        print("interrupted; outputs of this stage were not written", file=sys.stderr)
        sys.exit(130)
    log(f"{_stage_name()}: done in {time.perf_counter() - started:.1f} s, "
        f"peak memory {_peak_mb():.0f} MB")


def mixed_outputs_note(stage: str) -> str:
    """What a failure leaves under `dvc repro`: the stages before this one already replaced
    their outputs (turns.csv first) while this stage's and the report are the last run's.
    Empty when the stage runs on its own (not under DVC)."""
    if not os.environ.get("DVC_STAGE"):
        return ""
    return (f" (dvc repro: outputs of the stages before {stage}, such as turns.csv, are "
            "from this run; the report is still the previous run's)")


def describe_os_error(exc: OSError) -> str:
    """One line for an operating-system error (disk full, permission, a missing file)."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}; {os_error_advice(exc)}"


def _fail(exc: PipelineError | OSError, debug: bool, note: str) -> None:
    """Print the error as `error: ...` lines (the note on the last) and exit with status 2."""
    if debug:
        raise exc
    message = str(exc) if isinstance(exc, PipelineError) else describe_os_error(exc)
    lines = message.splitlines() or [""]
    lines[-1] += note
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    sys.exit(2)


def _stage_name() -> str:
    return os.path.basename(sys.argv[0]).removesuffix(".py")


def _peak_mb() -> float:
    """Largest resident size of this process or any worker it waited for (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def log(message: str) -> None:
    """Progress for the person watching `dvc repro`."""
    print(message, file=sys.stderr, flush=True)
