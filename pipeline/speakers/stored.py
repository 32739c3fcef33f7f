"""The speakers stage on a large corpus: the documents' topic shares on disk (row_store.py),
each table made from a partition of groups at a time, with the code of the in-memory path.

`stored_doc_topics` writes the shares as doc_topics.csv's blocks come and gives back the
documents without them; while its block runs, the speakers' functions read the shares from
the store (`stored_rows`) instead of the frame. What is held then is a row per document of
ids and codes, a row per group of figures, and a fixed working set of shares.

The figures are those of the in-memory path, bit for bit, except where one sum runs over
every document at once: the corpus's shares behind the speakers' pooling (`prior`: one BLAS
product over all documents there, summed a block at a time here) and topic_prevalence.csv;
they agree to about 1e-15 (tests/speakers/test_stored.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.atomic import CSV_BLOCK_ROWS
from pipeline.common.config import SpeakersConfig
from pipeline.common.io import topic_number
from pipeline.speakers.big_groups import BigGroup, big_group_figures
from pipeline.speakers.groups import (
    _STORED,
    BLOCK_CELLS,
    GroupSamples,
    OwnerRows,
    Resampling,
    SharedDocs,
    chunk_bounds,
    owner_chunks,
    resampled_groups,
    sorted_layout,
)
from pipeline.speakers.pooling import (
    VARIANCE_FLOOR,
    Pooled,
    SpeakerSums,
    document_weights,
    pooled_from,
    speaker_sums,
)
from pipeline.speakers.row_store import (
    RowStore,
    StoredRows,
    cut_units,
    partitions,
    row_store,
)
from pipeline.speakers.shares import (
    GroupFigures,
    SortedGroups,
    group_figures,
    point_shares,
    shares_table,
)
from pipeline.speakers.time_bins import BinSums, TopicTime, choose_bin, parse_date, topic_time

# From this many documents the stage keeps the shares on disk (a 30M-character corpus has
# 40,000-65,000): smaller corpora keep every figure of the in-memory path.
STREAM_MIN_DOCS = 20_000

@contextmanager
def stored_doc_topics(blocks: Iterable[pd.DataFrame], columns: list[str],
                      folder: str | Path | None = None) -> Iterator[pd.DataFrame]:
    """doc_topics without its share columns, with each document's `row` in a store that
    holds them (in a temporary folder under `folder`, else TMPDIR, removed at the end, also
    on an error); while the block runs, stored_rows() gives the store."""
    with row_store(len(columns), folder) as store:
        parts: list[pd.DataFrame] = []
        same: dict[str, str] = {}
        for block in blocks:
            rows = np.arange(store.n_rows, store.n_rows + len(block))
            store.append(block[columns].to_numpy(float))
            part = block.drop(columns=columns).assign(row=rows)
            # Each repeated meeting and speaker one string: a string per cell is ~60 bytes.
            for name in ("meeting", "speaker"):
                if name in part.columns:
                    part[name] = [same.setdefault(v, v) for v in part[name]]
            parts.append(part)
        meta = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["doc_id", "row"])
        parts.clear()  # held while the block runs otherwise: the documents' fields twice
        rank = np.empty(len(meta), dtype=np.int64)
        rank[meta["doc_id"].argsort(kind="stable").to_numpy()] = np.arange(len(meta))
        token = _STORED.set(StoredRows(store, rank, meta["row"].to_numpy(np.int64),
                                       stored_samples))
        try:
            yield meta
        finally:
            _STORED.reset(token)


def stored_figures(stored: StoredRows, frame: pd.DataFrame, by: str, cfg: SpeakersConfig,
                   seed: int) -> GroupFigures | None:
    """shares.aggregate_shares' figures of the groups of column `by`, a partition of groups
    at a time (each group's rows whole, in doc_id order, as sorted_groups cuts them)."""
    codes, keys = pd.factorize(frame[by], sort=True)
    kept = np.flatnonzero(codes >= 0)
    if not len(keys):
        return None
    rows = stored.for_frame(frame)
    counts = np.bincount(codes[kept], minlength=len(keys))
    budget = rows.store.budget_rows()
    # A group past the budget is a partition alone, left empty here: big_groups makes it a
    # chunk at a time.
    small = counts[codes[kept]] <= budget
    units = rows.units(kept[small], codes[kept][small], cut_units(counts, budget))
    tokens = _per_row(rows, frame["n_tokens"].to_numpy(float))
    n_tokens = frame["n_tokens"].to_numpy(float)
    keys = np.asarray(keys, dtype=object)
    found = []
    for p in partitions(rows.store, units):
        if p.last - p.first == 1 and counts[p.first] > budget:
            found.append(_big_figures(rows, kept[codes[kept] == p.first], n_tokens,
                                      (p.first, cfg, seed)))
        else:
            found.append(group_figures(SortedGroups(keys[p.first:p.last], p.theta,
                                                    tokens[p.rows], p.bounds() - p.bounds()[0],
                                                    p.first), cfg, seed))
    return GroupFigures(keys, counts, *(np.concatenate([getattr(f, name) for f in found])
                                        for name in ("n_tokens", "share", "low", "high")))


def _big_figures(rows: StoredRows, members: np.ndarray, n_tokens: np.ndarray,
                 how: tuple[int, SpeakersConfig, int]) -> GroupFigures:
    """One group past the budget (frame positions `members`), as GroupFigures of one."""
    position, cfg, seed = how
    take = members[np.argsort(rows.rank[rows.row_of[members]], kind="stable")]
    f = big_group_figures(BigGroup(rows, take, n_tokens[take], position), cfg, seed)
    return GroupFigures(np.zeros(1), np.asarray([len(take)]),
                        np.asarray([f.n_tokens], dtype=np.int64), f.share[None], f.low[None],
                        f.high[None])


def _per_row(rows: StoredRows, values: np.ndarray) -> np.ndarray:
    """A value per frame document as a value per store row (0 for rows not in the frame)."""
    out = np.zeros(rows.store.n_rows, dtype=values.dtype)
    out[rows.row_of] = values
    return out


@dataclass(frozen=True)
class SpeakerFigures:
    """speaker_table's pooled shares and bootstrap bounds."""

    pooled: Pooled
    low: np.ndarray
    high: np.ndarray


def stored_speakers(stored: StoredRows, frame: pd.DataFrame, codes: np.ndarray,
                    n_speakers: int, how: Resampling) -> SpeakerFigures:
    """pooling.pool_speakers and groups.owner_intervals of the speakers (`codes`: each
    document of `frame`'s), a partition of whole chunks of speakers at a time."""
    rows = stored.for_frame(frame)
    n_tokens = frame["n_tokens"].to_numpy(float)
    w = document_weights(n_tokens)
    counts = np.bincount(codes, minlength=n_speakers)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    chunks = owner_chunks(counts, rows.store.n_topics, how.n_boot)
    starts = np.asarray([first for first, _ in chunks], dtype=np.int64)
    units = rows.units(np.arange(len(codes)), codes,
                       cut_units(counts, rows.store.budget_rows(), starts))
    w_row, tokens_row = _per_row(rows, w), _per_row(rows, n_tokens)
    low = np.empty((n_speakers, rows.store.n_topics))
    high = np.empty_like(low)
    sums = []
    for p in partitions(rows.store, units):
        sums.append(speaker_sums(p.theta, w_row[p.rows], p.units - p.first, p.last - p.first))
        mine = [c for c in chunks if p.first <= c[0] < p.last]
        found = chunk_bounds(OwnerRows(p.theta, tokens_row[p.rows], p.units, bounds,
                                       int(bounds[p.first])), mine, how)
        for (first, last), (lo, hi) in zip(mine, found, strict=True):
            low[first:last], high[first:last] = lo, hi
    prior = _weighted_sum(rows, w) / max(w.sum(), VARIANCE_FLOOR)
    pooled = pooled_from(_joined(sums), prior, lambda: _spread(rows, w, prior), len(w),
                         how.ci)
    return SpeakerFigures(pooled, low, high)


def _joined(parts: list[SpeakerSums]) -> SpeakerSums:
    return SpeakerSums(*(np.concatenate([getattr(s, name) for s in parts])
                         for name in ("weight", "sums", "raw", "n_docs", "within")))


def _weighted_sum(rows: StoredRows, w: np.ndarray) -> np.ndarray:
    """Σ w · shares over the frame's documents, a block of the store at a time."""
    w_row = _per_row(rows, w)  # 0 for rows not in the frame: they add nothing
    total = np.zeros(rows.store.n_topics)
    for start, block in rows.store.blocks():
        total += block.T @ w_row[start:start + len(block)]
    return total


def _spread(rows: StoredRows, w: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Σ w · (shares − prior)² over the frame's documents, a block at a time."""
    w_row = _per_row(rows, w)
    total = np.zeros(rows.store.n_topics)
    for start, block in rows.store.blocks():
        total += (w_row[start:start + len(block), None] * (block - prior) ** 2).sum(axis=0)
    return total


def stored_prevalence(stored: StoredRows, frame: pd.DataFrame) -> np.ndarray:
    """The corpus's token-weighted topic shares (topic_prevalence.csv)."""
    rows = stored.for_frame(frame)
    weights = frame["n_tokens"].to_numpy(float)
    return _weighted_sum(rows, weights) / weights.sum()


def stored_samples(rows: StoredRows, docs: SharedDocs, n_boot: int, seed: int
                   ) -> GroupSamples:
    """groups.group_samples with the shares on disk: the documents' weighted shares written
    once in the sorted order, then read a chunk at a time for the point sums and each block
    of resamples, summed in the order of the in-memory product (scipy's csc_matvecs on
    every document in turn), so the figures are the same."""
    from scipy import sparse

    layout = sorted_layout(docs)
    n_docs, n_topics = len(layout.take), rows.store.n_topics
    n_groups = len(layout.names)
    tokens = sparse.csr_matrix((layout.n_tokens, (np.arange(n_docs), layout.g_of_doc)),
                               shape=(n_docs, n_groups))
    # Each document's unit is its place in the sorted order: partitions are runs of it.
    units = rows.units(layout.take, np.arange(n_docs),
                       cut_units(np.ones(n_docs, dtype=np.int64), rows.store.budget_rows()))
    with row_store(n_topics, rows.store.folder) as ordered:
        for p in partitions(rows.store, units):
            ordered.append(p.theta * layout.n_tokens[p.units, None])
        summed = _OrderedSums(ordered, layout.g_of_doc, n_groups)
        num = summed(np.ones((n_docs, 1)))[:, 0].reshape(n_groups, n_topics)
        return resampled_groups(layout, num, tokens, summed, Resampling(n_boot, 0.0, seed))


class _OrderedSums:
    """(group, topic) × vectors sums of the sorted weighted shares times a documents ×
    vectors matrix, accumulated document after document as the in-memory CSC product
    does."""

    def __init__(self, ordered: RowStore, g_of_doc: np.ndarray, n_groups: int):
        self.ordered, self.g_of_doc, self.n_groups = ordered, g_of_doc, n_groups

    def __call__(self, multiplicity: np.ndarray) -> np.ndarray:
        # scipy's own kernel, called on a chunk of documents at a time with the running
        # sums: the public product starts each call from zero, which changes the last bits.
        from scipy.sparse import _sparsetools

        k, n_vecs = self.ordered.n_topics, multiplicity.shape[1]
        out = np.zeros((self.n_groups * k, n_vecs))
        # Chunks of documents bounded like the resamples' blocks.
        chunk = max(1, BLOCK_CELLS // max(k * n_vecs, 1))
        for start, block in self.ordered.blocks(chunk):
            m = len(block)
            indices = (self.g_of_doc[start:start + m, None] * k + np.arange(k)).ravel()
            _sparsetools.csc_matvecs(
                self.n_groups * k, m, n_vecs, np.arange(0, m * k + 1, k, dtype=np.int64),
                indices.astype(np.int64), block.ravel(),
                np.ascontiguousarray(multiplicity[start:start + m], dtype=float).ravel(),
                out.ravel())
        return out


MEETING_COLUMNS = ["meeting", "date", "topic", "share", "ci_low", "ci_high", "n_docs",
                   "n_tokens", "low_data"]  # core.with_dates' meeting_topics


@dataclass(frozen=True)
class MeetingOrder:
    """The meetings in meeting_topics.csv's order (dated by date, then undated; then id),
    with their dates (each its earliest), their places among the meetings sorted by id
    (their generators' seeds) and each document's meeting as its place in this order."""

    keys: np.ndarray
    dates: np.ndarray
    positions: np.ndarray
    unit_of_doc: np.ndarray

    @property
    def n_dated(self) -> int:
        return int((self.dates != "").sum())


def meeting_order(frame: pd.DataFrame) -> MeetingOrder:
    """MeetingOrder of the documents of `frame` (doc_topics with each document's date)."""
    codes, keys = pd.factorize(frame["meeting"], sort=True)
    dated = (frame["date"] != "").to_numpy()
    day_codes, days = pd.factorize(frame["date"][dated], sort=True)
    first = pd.Series(day_codes).groupby(codes[dated]).min()
    dates = np.full(len(keys), "", dtype=object)
    dates[first.index.to_numpy()] = np.asarray(days, dtype=object)[first.to_numpy()]
    table = pd.DataFrame({"undated": dates == "", "date": dates, "meeting": keys})
    order = table.sort_values(["undated", "date", "meeting"], kind="stable").index.to_numpy()
    place = np.empty(len(keys), dtype=np.int64)
    place[order] = np.arange(len(keys))
    return MeetingOrder(np.asarray(keys, dtype=object)[order], dates[order], order,
                        place[codes])


def _meeting_parts(stored: StoredRows, frame: pd.DataFrame, order: MeetingOrder
                   ) -> Iterator[SortedGroups]:
    """The meetings a partition at a time, in MeetingOrder, as SortedGroups."""
    rows = stored.for_frame(frame)
    counts = np.bincount(order.unit_of_doc, minlength=len(order.keys))
    units = rows.units(np.arange(len(frame)), order.unit_of_doc,
                       cut_units(counts, rows.store.budget_rows()))
    tokens = _per_row(rows, frame["n_tokens"].to_numpy(float))
    for p in partitions(rows.store, units):
        yield SortedGroups(order.keys[p.first:p.last], p.theta, tokens[p.rows], p.bounds(),
                           p.first, order.positions[p.first:p.last])


@dataclass(frozen=True)
class MeetingBlocks:
    """meeting_topics.csv a partition of meetings at a time (with_dates' table: the same rows
    in the same order), made as it is read (while stored_doc_topics runs)."""

    stored: StoredRows
    frame: pd.DataFrame
    order: MeetingOrder
    columns: list[str]
    how: tuple[SpeakersConfig, int]

    def __iter__(self) -> Iterator[pd.DataFrame]:
        cfg, seed = self.how
        k = len(self.columns)
        # Rows as write_csv formats them at a time: as text, a block is many small strings.
        step = max(1, CSV_BLOCK_ROWS // max(k, 1))
        for groups in _meeting_parts(self.stored, self.frame, self.order):
            f = group_figures(groups, cfg, seed)
            for at in range(0, len(f.keys), step):
                cut = slice(at, at + step)
                table = shares_table(GroupFigures(f.keys[cut], f.n_docs[cut], f.n_tokens[cut],
                                                  f.share[cut], f.low[cut], f.high[cut]),
                                     self.columns, "meeting", cfg.min_tokens)
                dates = self.order.dates[groups.first + at:groups.first + at + len(table) // k]
                yield table.assign(topic=table["topic"].map(topic_number),
                                   date=np.repeat(dates, k))[MEETING_COLUMNS]


def meeting_shares(stored: StoredRows, frame: pd.DataFrame, order: MeetingOrder
                   ) -> Iterator[tuple[SortedGroups, np.ndarray]]:
    """Each partition of meetings (MeetingOrder) with their point shares."""
    for groups in _meeting_parts(stored, frame, order):
        yield groups, point_shares(groups)


def stored_time(blocks: MeetingBlocks, setting: str, titles: Mapping[str, str]) -> TopicTime:
    """time_bins.topic_time of meeting_topics, from the meetings' point shares a partition
    at a time: calendar bins summed as they come (BinSums); a column per meeting (few
    meetings, or a few months of them) from a table of them, as topic_time makes it."""
    order, topics = blocks.order, [topic_number(c) for c in blocks.columns]
    dates = {str(m): parse_date(d) for m, d in zip(order.keys, order.dates, strict=True)}
    dated = {m: d for m, d in dates.items() if d is not None}
    unit = choose_bin(setting, list(dated.values()))
    parts = meeting_shares(blocks.stored, blocks.frame, order)
    if unit == "meeting":
        rows = [pd.DataFrame({"meeting": np.repeat(groups.keys, len(topics)),
                              "date": np.repeat(order.dates[groups.first:groups.first
                                                            + len(groups.keys)], len(topics)),
                              "topic": np.tile(topics, len(groups.keys)),
                              "share": shares.ravel(),
                              "n_tokens": np.repeat(_group_tokens(groups), len(topics))})
                for groups, shares in parts]
        return topic_time(pd.concat(rows, ignore_index=True), unit, titles)
    sums = BinSums(unit)
    for groups, shares in parts:
        for key, share, n in zip(groups.keys, shares, _group_tokens(groups), strict=True):
            day = dated.get(str(key))
            if day is not None:
                sums.add(day, share, n)
    return TopicTime(sums.table(topics), unit, len(dates) - len(dated))


def _group_tokens(groups: SortedGroups) -> np.ndarray:
    """Each group's tokens (whole numbers: exact in any order)."""
    return np.add.reduceat(groups.tokens, groups.bounds[:-1]).astype(np.int64)
