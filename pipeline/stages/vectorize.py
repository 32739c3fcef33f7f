"""Stage vectorize: terms per document -> sparse document-term matrix + its vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.atomic import iter_jsonl, sparse_to_npz_bytes, write_bytes, write_json
from pipeline.dtm import build_dtm
from pipeline.progress import progress
from pipeline.stages._cli import log, run, stage_parser


def main(args, config) -> None:
    cfg = config.vectorize
    records = [r for r in progress(iter_jsonl(Path(args.tokens)), desc="vectorize", unit="doc")
               if not r.get("procedural")]
    dtm = build_dtm([r["doc_id"] for r in records], [r["terms"] for r in records],
                    cfg.min_df, cfg.max_df, cfg.max_features)
    write_bytes(Path(args.dtm), sparse_to_npz_bytes(dtm.counts))
    write_json(Path(args.vocabulary), list(dtm.vocabulary))
    n_tokens = np.asarray(dtm.counts.sum(axis=1)).ravel().tolist()
    weights = {r["doc_id"]: r.get("weight", 1.0) for r in records}
    write_json(Path(args.index), [
        {"doc_id": d, "n_tokens": int(n), "weight": weights[d]}
        for d, n in zip(dtm.doc_ids, n_tokens, strict=True)
    ])
    log(f"vectorize: {dtm.counts.shape[0]} documents x {dtm.counts.shape[1]} terms "
        f"({len(records) - dtm.counts.shape[0]} documents had no term left)")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--dtm", required=True)
    parser.add_argument("--vocabulary", required=True)
    parser.add_argument("--index", required=True)
    run(main, parser)
