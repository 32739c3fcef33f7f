"""Stage tokenize: documents -> terms per document (made once; later stages never re-tokenize)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.atomic import read_jsonl, write_jsonl, write_metrics
from pipeline.errors import PipelineError
from pipeline.speakers import ROLES
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tokens import (
    dictionary_info,
    join_collocations,
    new_tagger,
    parse_stopwords,
    shipped_stopwords,
    tokenize_documents,
)


def roster_stopwords(roster: list[dict]) -> frozenset[str]:
    """The corpus's own speaker names, labels and roles: never topic terms."""
    words = set(ROLES)
    for entry in roster:
        words.update(v for v in entry.values() if v)
    return frozenset(words)


def main(args, config) -> None:
    cfg = config.tokens
    docs = read_jsonl(Path(args.documents))
    roster = json.loads(Path(args.roster).read_text(encoding="utf-8"))
    stopwords = shipped_stopwords() | roster_stopwords(roster)
    if cfg.stopwords_file:
        path = Path(cfg.stopwords_file)
        if not path.is_file():
            raise PipelineError(f"tokens.stopwords_file: {path} not found; create it or set null")
        stopwords |= parse_stopwords(path.read_text(encoding="utf-8"))
    tagger = new_tagger()
    terms = tokenize_documents(
        [d["text"] for d in docs], pos=cfg.pos, stopwords=stopwords, compounds=cfg.compounds,
        compound_min_count=cfg.compound_min_count, keep_phrases=cfg.keep_phrases,
        min_chars=cfg.min_chars, tagger=tagger, n_jobs=cfg.n_jobs,
    )
    if cfg.collocations:
        terms = join_collocations(terms, cfg.collocation_min_count, cfg.collocation_threshold)
    write_jsonl(Path(args.tokens), [
        {"doc_id": d["doc_id"], "terms": t, "weight": d.get("weight", 1.0)}
        for d, t in zip(docs, terms, strict=True)
    ])
    n_tokens = sum(len(t) for t in terms)
    write_metrics(Path(args.metrics), {
        "n_documents": len(docs),
        "n_tokens": n_tokens,
        "n_terms": len({w for t in terms for w in t}),
        "documents_without_terms": sum(1 for t in terms if not t),
        "n_stopwords": len(stopwords),
        "settings": {k: v for k, v in cfg.model_dump().items() if k != "n_jobs"},
        **dictionary_info(tagger),
    })
    log(f"tokenize: {len(docs)} documents -> {n_tokens} tokens")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--metrics", required=True)
    run(main, parser)
