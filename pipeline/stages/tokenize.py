"""Stage tokenize: documents -> terms per document (made once; later stages never re-tokenize).

Documents stream through in chunks of about 40,000 characters (many small meetings in one,
a big meeting over several) to worker processes or a Dask cluster (compute.backend); with
tokens.cache, meetings whose text and settings are unchanged since the last run come from
outputs/cache/tokens instead. The work itself is pipeline.tokenize.core.tokenize_corpus.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.common.atomic import write_jsonl, write_metrics
from pipeline.common.compute import capped_notes, executor
from pipeline.common.errors import PipelineError
from pipeline.common.io import iter_records, read_json
from pipeline.common.progress import progress
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tokenize.chunks import gc_paused
from pipeline.tokenize.core import (
    HELD_UNITS_MAX_CHARS,
    PARALLEL_MIN_CHARS,
    ExtraWords,
    TokenizeRun,
    tokenize_corpus,
)
from pipeline.tokenize.rules import parse_stopwords


def read_stopwords(name: str | None) -> frozenset[str]:
    """The user's stopwords file (tokens.stopwords_file), if any."""
    if not name:
        return frozenset()
    path = Path(name)
    if not path.is_file():
        raise PipelineError(f"tokens.stopwords_file: {path} not found; create it or set null")
    try:
        return parse_stopwords(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise PipelineError(f"tokens.stopwords_file: {path} is not UTF-8 text; save it as "
                            "UTF-8") from None


def main(args, config) -> None:
    cfg = config.tokens
    documents = Path(args.documents)
    # documents.jsonl is about 3 bytes a character of text (UTF-8) plus fields.
    n_chars = documents.stat().st_size / 3
    for note in capped_notes(config.compute, cfg.n_jobs, "tokens.n_jobs"):
        log(f"tokenize: {note}")
    with gc_paused():  # see gc_paused: the stage makes millions of small tuples
        with executor(config.compute, cfg.n_jobs, n_chars, PARALLEL_MIN_CHARS) as ex:
            result = tokenize_corpus(
                lambda: iter_records(documents), read_json(args.roster), cfg,
                ExtraWords(read_stopwords(cfg.stopwords_file)),
                TokenizeRun(ex, Path(args.cache) if cfg.cache else None,
                            lambda items: progress(items, desc="tokenize", unit="chunk"),
                            held_units=0 if n_chars > HELD_UNITS_MAX_CHARS else None))
        write_jsonl(Path(args.tokens), result.records())
        write_metrics(Path(args.metrics), result.metrics())
    for line in result.log:
        log(line)


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--cache", default="outputs/cache/tokens",
                        help="folder of the per-meeting token cache (tokens.cache)")
    run(main, parser)
