"""python -m pipeline.compare A B: what changed between two runs (two DVC experiments or
revisions, as `dvc exp show` names them, or two folders): settings, K, quality readings,
topics matched by their top terms, and the speakers whose main topic moved."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.common.atomic import write_text
from pipeline.common.errors import PipelineError
from pipeline.compare.core import compare_runs
from pipeline.compare.runs import load_run
from pipeline.compare.text import render_markdown, render_text


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline.compare", description=__doc__)
    p.add_argument("a", help="the first run: an experiment, a git revision or a folder")
    p.add_argument("b", help="the second run, the same way")
    p.add_argument("--repo", default=".", help="the project whose experiments A and B are "
                   "(default: here)")
    p.add_argument("--markdown", help="also write the comparison as a Markdown section here")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        comparison = compare_runs(load_run(args.a, Path(args.repo)),
                                  load_run(args.b, Path(args.repo)))
        if args.markdown:
            write_text(Path(args.markdown), render_markdown(comparison))
    except (PipelineError, OSError) as exc:
        if args.debug or os.environ.get("PIPELINE_DEBUG") == "1":
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(render_text(comparison))
    return 0


if __name__ == "__main__":
    sys.exit(main())
