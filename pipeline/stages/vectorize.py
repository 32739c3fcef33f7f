"""Stage vectorize: terms per document -> sparse document-term matrix + its vocabulary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from pipeline.common.atomic import (
    sparse_npz_arrays,
    write_json,
    write_json_list,
    write_metrics,
    write_npz,
)
from pipeline.common.io import iter_records
from pipeline.common.progress import progress
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tokenize.dtm_stream import stream_dtm


class _Seen:
    """What vectorize needs of every record besides its terms, tallied as they stream by."""

    def __init__(self) -> None:
        # Only the weights that are not 1.0 (as written: an int 1 is kept): most documents'
        # are, and a dict of every document's was most of what this stage held.
        self.weights: dict[str, float] = {}
        self.n_records = self.n_modelled = self.n_empty = 0

    def weight(self, doc_id: str) -> float:
        """A document's weight as its token record gives it."""
        return self.weights.get(doc_id, 1.0)

    def modelled(self, records: Iterator[dict]) -> Iterator[tuple[str, list[str], str]]:
        """(doc_id, terms, meeting) of the records not marked procedural."""
        for r in records:
            self.n_records += 1
            weight = r.get("weight", 1.0)
            if not (type(weight) is float and weight == 1.0):
                self.weights[r["doc_id"]] = weight
            if r.get("procedural"):
                continue
            self.n_modelled += 1
            self.n_empty += not r["terms"]
            yield r["doc_id"], r["terms"], r.get("meeting", "")


def main(args, config) -> None:
    cfg = config.vectorize
    seen = _Seen()
    # Streamed: a block of documents' terms at a time is held, never every token list, and
    # the matrix is pruned a block at a time (pipeline/tokenize/dtm_stream.py).
    dtm = stream_dtm(seen.modelled(
        progress(iter_records(args.tokens), desc="vectorize", unit="doc")), cfg)
    write_npz(Path(args.dtm), sparse_npz_arrays(dtm.counts))
    write_json(Path(args.vocabulary), list(dtm.vocabulary))
    n_tokens = np.asarray(dtm.counts.sum(axis=1)).ravel()
    write_json_list(Path(args.index), (
        {"doc_id": d, "n_tokens": int(n), "weight": seen.weight(d)}
        for d, n in zip(dtm.doc_ids, n_tokens, strict=True)
    ))
    n_records, n_modelled, empty = seen.n_records, seen.n_modelled, seen.n_empty
    short = n_modelled - empty - dtm.counts.shape[0]
    write_metrics(Path(args.metrics), {
        "n_documents": int(dtm.counts.shape[0]), "n_terms": int(dtm.counts.shape[1]),
        "documents_left_out": {"procedural": n_records - n_modelled,
                               "no_terms": empty, "too_short": short},
        "min_doc_terms": cfg.min_doc_terms,
        "terms_common_to_most_meetings": list(dtm.common),
    })
    log(f"vectorize: {dtm.counts.shape[0]} documents x {dtm.counts.shape[1]} terms; left out: "
        f"{n_records - n_modelled} procedural, {empty} without terms, {short} with "
        + ("no term" if cfg.min_doc_terms == 1 else f"fewer than {cfg.min_doc_terms} terms")
        + " left after min_df/max_df")
    if dtm.common:
        log(f"vectorize: {len(dtm.common)} terms used in more than {cfg.max_meeting_df:.0%} of "
            f"the meetings are not modelled: {' '.join(dtm.common[:20])}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--dtm", required=True)
    parser.add_argument("--vocabulary", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--metrics", required=True)
    run(main, parser)
