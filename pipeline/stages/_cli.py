"""What every stage entry point shares: arguments, config, and one-line errors."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable

from pipeline.config import PipelineConfig, load_config
from pipeline.errors import PipelineError


def stage_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every stage takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", required=True, help="the params file (configs/pipeline.yaml)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def run(main: Callable[[argparse.Namespace, PipelineConfig], None],
        parser: argparse.ArgumentParser) -> None:
    """Validate the config, run the stage, and turn a user error into one line + exit 2."""
    args = parser.parse_args()
    debug = args.debug or os.environ.get("PIPELINE_DEBUG") == "1"
    started = time.perf_counter()
    try:
        config = load_config(args.config)
        main(args, config)
    except PipelineError as exc:
        if debug:
            raise
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted; outputs of this stage were not written", file=sys.stderr)
        sys.exit(130)
    log(f"{_stage_name()}: done in {time.perf_counter() - started:.1f} s, "
        f"peak memory {_peak_mb():.0f} MB")


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
