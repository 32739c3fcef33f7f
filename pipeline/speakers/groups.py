"""Topic shares of speaker groups (会派, 役職, any attribute), their differences and the
topics that set each group apart, with intervals from a two-level bootstrap.

A group's documents are not independent draws: a speaker's documents share a subject. So
each resample draws the group's speakers with replacement, then each drawn speaker's
documents with replacement (the hierarchical bootstrap of Davison & Hinkley, 1997, §3.8).
Both draws are made for every group at once as multiplicity counts, and the shares of all
groups come out of one sparse product per block of resamples: no loop over groups or
speakers, so thousands of speakers cost a few seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.common.compute import parallel_map
from pipeline.common.config import SpeakersConfig
from pipeline.common.io import topic_number

BLOCK_CELLS = 4_000_000  # resamples × documents held at once: bounds the memory used
MAX_PAIRS = 20  # pairwise differences among the groups with the most tokens
REST = "（その他）"  # the other groups together, in a group-vs-rest comparison
MISSING = "（なし）"  # the group of speakers with no value for the attribute
# A topic sets a group apart only by at least this much (a point of share): on a topic the
# corpus hardly uses, 0.2% against 0.0% can have an interval above zero and mean nothing.
MIN_DIFF = 0.01


# The shares on disk (a row_store.StoredRows) while stored.stored_doc_topics runs. Here and
# not in row_store.py: the charts stage imports this module, and its deps list it alone.
_STORED: ContextVar[Any] = ContextVar("stored_rows", default=None)


def stored_rows() -> Any:
    """The shares on disk (row_store.StoredRows) while stored_doc_topics runs, else None
    (the frame holds them)."""
    return _STORED.get()


def matrix_of(frame: pd.DataFrame, columns: list[str]) -> np.ndarray | Any:
    """The frame's documents × topics shares: from the frame, or while the stage keeps
    them on disk (stored.stored_doc_topics), the store's rows of its documents."""
    stored = stored_rows()
    return frame[columns].to_numpy(float) if stored is None else stored.for_frame(frame)


@dataclass(frozen=True)
class SharedDocs:
    """Documents whose topic shares are pooled: shares (documents × topics), token counts,
    and each document's cluster and group (its speaker and their group, or itself and its
    speaker); doc_ids, if given, fix the order, so the result does not depend on the order
    they come in."""

    theta: np.ndarray | Any  # or row_store.StoredRows: the shares on disk
    n_tokens: np.ndarray
    speakers: np.ndarray
    groups: np.ndarray
    doc_ids: np.ndarray | None = None
    # The rows of theta and n_tokens that these documents are (None: every row): a part of a
    # table's documents without a copy of its matrix.
    rows: np.ndarray | None = None


@dataclass(frozen=True)
class Resampling:
    """How a bootstrap is drawn: resamples, interval coverage, seed."""

    n_boot: int
    ci: float
    seed: int


@dataclass(frozen=True)
class GroupSamples:
    """Point shares and bootstrap resamples of each group's topic shares."""

    groups: list[str]
    share: np.ndarray  # groups × topics
    samples: np.ndarray  # resamples × groups × topics
    rest_samples: np.ndarray  # resamples × groups × topics: all other groups together
    rest_share: np.ndarray  # groups × topics
    n_speakers: np.ndarray
    n_docs: np.ndarray
    n_tokens: np.ndarray


def _draw_within(owner: np.ndarray, n_owners: int, n_boot: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Multiplicities (n_boot × n items) of resampling each owner's items with replacement,
    all owners at once: items must be sorted by owner."""
    n = len(owner)
    counts = np.bincount(owner, minlength=n_owners)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    picks = rng.integers(0, counts[owner], size=(n_boot, n))
    picks += starts[owner]  # in place, as the next: no second array of draws
    picks += np.arange(n_boot)[:, None] * n
    return np.bincount(picks.ravel(), minlength=n_boot * n).reshape(n_boot, n)


@dataclass(frozen=True)
class Layout:
    """group_samples' documents sorted by (group, speaker, doc_id): which rows they are, their
    tokens, each one's group and (group, speaker) pair, and each pair's group."""

    take: np.ndarray  # rows of theta, in sorted order
    n_tokens: np.ndarray  # float, sorted
    names: np.ndarray  # the groups
    g_of_doc: np.ndarray
    s_codes: np.ndarray  # each document's (group, speaker) pair
    g_of_speaker: np.ndarray  # each pair's group


def sorted_layout(docs: SharedDocs) -> Layout:
    """The documents' order and codes in group_samples (from everything but the shares)."""
    # Sorted codes order as the strings do, in 8 bytes a document: the strings as a numpy
    # array were 4 bytes a character, several times over in lexsort and unique (a quarter of
    # a GB at 600,000 documents).
    g_codes, names = pd.factorize(np.asarray(docs.groups), sort=True)
    p_codes, people = pd.factorize(np.asarray(docs.speakers), sort=True)
    keys = ((p_codes, g_codes) if docs.doc_ids is None
            else (pd.factorize(np.asarray(docs.doc_ids), sort=True)[0], p_codes, g_codes))
    order = np.lexsort(keys)
    del keys
    take = order if docs.rows is None else docs.rows[order]
    g_of_doc, p_of_doc = g_codes[order], p_codes[order]
    names = np.asarray(names, dtype=str)
    # Each document's (group, speaker) pair as one number, numbered in the order of the
    # sorted pairs: factorizing a MultiIndex of them made Python tuples (0.3 s on 100,000).
    s_keys, s_codes = np.unique(g_of_doc * len(people) + p_of_doc, return_inverse=True)
    return Layout(take, docs.n_tokens[take].astype(float), names, g_of_doc, s_codes,
                  s_keys // len(people))


def group_samples(docs: SharedDocs, n_boot: int, seed: int) -> GroupSamples:
    """Token-weighted shares of each group with `n_boot` two-level bootstrap resamples.

    `docs.speakers` and `docs.groups` give each document's speaker and group (strings).
    With `docs.doc_ids`, documents are sorted by (group, speaker, doc_id) first.
    """
    if not isinstance(docs.theta, np.ndarray):  # on disk: row_store.StoredRows
        return docs.theta.samples(docs, n_boot, seed)
    # scipy.sparse is imported where the resamples are summed: the charts stage imports
    # this module for distinguishing_topics only, and has no other use for scipy.
    from scipy import sparse

    layout = sorted_layout(docs)
    n_docs, n_tokens, g_of_doc = len(layout.take), layout.n_tokens, layout.g_of_doc
    # The sorted copy becomes the weighted shares in place: one copy of the matrix, not two.
    weighted_theta = docs.theta[layout.take].astype(float, copy=False)
    weighted_theta *= n_tokens[:, None]
    n_groups, n_topics = len(layout.names), docs.theta.shape[1]
    # Document × (group, topic) and document × group: one product sums every group.
    weighted = in_blocks(weighted_theta, g_of_doc, n_groups)
    del weighted_theta
    tokens = sparse.csr_matrix((n_tokens, (np.arange(n_docs), g_of_doc)),
                               shape=(n_docs, n_groups))
    num = np.asarray(weighted.sum(axis=0)).reshape(n_groups, n_topics)
    return resampled_groups(layout, num, tokens, lambda m: weighted.T @ m,
                            Resampling(n_boot, 0.0, seed))


def resampled_groups(layout: Layout, num: np.ndarray, tokens, products,
                     how: Resampling) -> GroupSamples:
    """group_samples from the groups' token-weighted sums (`num`, groups × topics): the
    resamples' sums come from `products` (a multiplicity matrix, documents × resamples, to
    the (group, topic) × resamples sums), so the shares may be read from memory or disk."""
    n_boot, n_docs = how.n_boot, len(layout.take)
    g_of_doc, s_codes, g_of_speaker = layout.g_of_doc, layout.s_codes, layout.g_of_speaker
    n_groups, n_topics = num.shape
    den = np.asarray(tokens.sum(axis=0)).ravel()
    share = _ratio(num, den, n_topics)
    rest_share = _ratio(num.sum(axis=0) - num, den.sum() - den, n_topics)
    rng = np.random.default_rng([how.seed, 14])
    samples = np.empty((n_boot, n_groups, n_topics))
    rest = np.empty((n_boot, n_groups, n_topics))
    block = max(1, min(n_boot, BLOCK_CELLS // max(n_docs, 1)))
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        drawn_speakers = _draw_within(g_of_speaker, n_groups, size, rng)
        drawn_docs = _draw_within(s_codes, len(g_of_speaker), size, rng)
        # Sparse matrix times dense resamples: no sparse copy of the resamples is made. Made
        # as floats in row-major order, as the product reads them: scipy copied and cast the
        # integer transpose once per product (the same numbers: whole counts are exact).
        multiplicity = np.multiply(drawn_speakers.T[s_codes], drawn_docs.T, dtype=float)
        del drawn_docs  # not held through the products
        b_num = products(multiplicity).T.reshape(size, n_groups, n_topics)
        b_den = (tokens.T @ multiplicity).T
        samples[start:start + size] = _ratio(b_num, b_den, n_topics)
        rest[start:start + size] = _ratio(b_num.sum(axis=1, keepdims=True) - b_num,
                                          b_den.sum(axis=1, keepdims=True) - b_den, n_topics)
    return GroupSamples(
        list(layout.names), share, samples, rest, rest_share,
        np.bincount(g_of_speaker, minlength=n_groups),
        np.bincount(g_of_doc, minlength=n_groups), den)


def in_blocks(values: np.ndarray, block_of_row: np.ndarray, n_blocks: int):
    """Rows × (block, column) as a CSR matrix: row i's `values` in the columns of its block
    (block_of_row[i]). Made directly, it has the arrays the (row, column) construction gives
    (each row's entries in column order) without that construction's index copies, which
    were 1.2 GB for a million documents."""
    from scipy import sparse  # see group_samples

    n_rows, width = values.shape
    dtype = np.int32 if max(n_rows * width, n_blocks * width) < 2**31 else np.int64
    indices = (block_of_row.astype(dtype)[:, None] * width
               + np.arange(width, dtype=dtype)).ravel()
    indptr = np.arange(0, n_rows * width + 1, width, dtype=dtype)
    return sparse.csr_matrix((np.ascontiguousarray(values, dtype=float).ravel(), indices,
                              indptr), shape=(n_rows, n_blocks * width))


def _ratio(num: np.ndarray, den: np.ndarray, n_topics: int) -> np.ndarray:
    """num / den over the topic axis, with a uniform share where there is nothing."""
    den = np.asarray(den, dtype=float)[..., None]
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0 / n_topics)


def _interval(samples: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - ci) / 2
    # Both bounds from one partition of the resamples (one quantile call per bound
    # partitioned them twice; the figures are the same).
    low, high = np.quantile(samples, [alpha, 1 - alpha], axis=0)
    return low, high


def group_table(result: GroupSamples, topics: list[int], ci: float, min_tokens: int,
                column: str) -> pd.DataFrame:
    """One row per group × topic: share, interval, speakers, documents, tokens, flag."""
    low, high = _interval(result.samples, ci)
    low, high = np.minimum(low, result.share), np.maximum(high, result.share)
    n_groups, n_topics = result.share.shape
    return pd.DataFrame({
        column: np.repeat(result.groups, n_topics),
        "topic": np.tile(topics, n_groups),
        "share": result.share.ravel(), "ci_low": low.ravel(), "ci_high": high.ravel(),
        "n_speakers": np.repeat(result.n_speakers, n_topics),
        "n_docs": np.repeat(result.n_docs, n_topics),
        "n_tokens": np.repeat(result.n_tokens.astype(int), n_topics),
        "low_data": np.repeat(result.n_tokens < min_tokens, n_topics),
    })


def group_differences(result: GroupSamples, topics: list[int], ci: float,
                      min_tokens: int = 0, min_speakers: int = 1) -> pd.DataFrame:
    """Differences of each topic's share: each group against the rest together, and each
    pair among the MAX_PAIRS groups with the most tokens; `excludes_zero` where the
    interval does not contain 0 (the evidence that the groups differ on that topic) and
    neither side is too small to judge: a side with one document, or fewer than
    `min_tokens` tokens, resamples to itself, and its interval would be a false certainty;
    a group of fewer than `min_speakers` speakers (`small_group`) is a person or two, whose
    own subjects would read as the group's."""
    frames = []
    small = result.n_speakers < min_speakers
    weak = (result.n_docs < 2) | (result.n_tokens < min_tokens) | small
    rest = result.samples - result.rest_samples
    low, high = _interval(rest, ci)
    for g, name in enumerate(result.groups):
        frames.append(_diff_rows((name, REST), result.share[g] - result.rest_share[g],
                                 (low[g], high[g]), topics, (weak[g], small[g])))
    largest = np.argsort(-result.n_tokens, kind="stable")[:MAX_PAIRS]
    top = sorted(largest, key=lambda g: result.groups[g])
    for i, a in enumerate(top):
        for b in top[i + 1:]:
            lo, hi = _interval(result.samples[:, a] - result.samples[:, b], ci)
            frames.append(_diff_rows((result.groups[a], result.groups[b]),
                                     result.share[a] - result.share[b], (lo, hi), topics,
                                     (weak[a] or weak[b], small[a] or small[b])))
    if not frames:
        return pd.DataFrame(columns=[*DIFF_COLUMNS])
    return pd.concat(frames, ignore_index=True)


DIFF_COLUMNS = ("group", "other", "topic", "diff", "ci_low", "ci_high", "excludes_zero",
                "small_group")


def _diff_rows(names: tuple[str, str], diff: np.ndarray, bounds: tuple[np.ndarray, np.ndarray],
               topics: list[int], flags: tuple[bool, bool]) -> pd.DataFrame:
    """Rows of one comparison; flags: (a side too small to judge, a side a small group)."""
    (group, other), (low, high), (weak, small) = names, bounds, flags
    low, high = np.minimum(low, diff), np.maximum(high, diff)
    return pd.DataFrame({"group": group, "other": other, "topic": topics, "diff": diff,
                         "ci_low": low, "ci_high": high,
                         "excludes_zero": ((low > 0) | (high < 0)) & (not weak),
                         "small_group": bool(small)})


def distinguishing_topics(differences: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Per group, the topics it talks about more than the rest, with evidence (interval
    above zero), largest difference first."""
    vs_rest = differences[(differences["other"] == REST) & differences["excludes_zero"]
                          & (differences["diff"] >= MIN_DIFF)]
    ranked = vs_rest.sort_values(["group", "diff", "topic"], ascending=[True, False, True])
    return ranked.groupby("group", sort=True).head(n).reset_index(drop=True)


@dataclass(frozen=True)
class ValueGroups:
    """How rows are grouped for compare_values: the column of the value (the group), the
    column of the cluster the bootstrap draws first (speaker, meeting), and the clusters a
    value needs to be compared at all (fewer: `small_group`)."""

    by: str
    cluster: str
    min_clusters: int


def compare_values(frame: pd.DataFrame, columns: list[str], groups: ValueGroups,
                   cfg: SpeakersConfig, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One attribute's table (group_table, with `small_group`) and its differences
    (group_differences). Rows whose value is MISSING get their row but are no group: they are
    resampled on their own, so they are neither a side nor part of the rest of any
    comparison (officials have no 会派; a meeting may have no committee)."""
    topics = [topic_number(c) for c in columns]
    tables, differences = [], []
    missing = (frame[groups.by] == MISSING).to_numpy()
    # The documents' matrix once: each part is a selection of its rows, not a copy of it.
    theta, n_tokens = matrix_of(frame, columns), frame["n_tokens"].to_numpy()
    for rows, compared in ((~missing, True), (missing, False)):
        if not rows.any():
            continue
        part = frame.loc[rows, [groups.cluster, groups.by, "doc_id"]]
        docs = SharedDocs(theta, n_tokens, part[groups.cluster].to_numpy(),
                          part[groups.by].to_numpy(), part["doc_id"].to_numpy(),
                          np.flatnonzero(rows))
        result = group_samples(docs, cfg.n_bootstrap, seed)
        table = group_table(result, topics, cfg.ci, cfg.min_tokens, groups.by)
        tables.append(table.assign(small_group=table["n_speakers"] < groups.min_clusters))
        if compared:
            differences.append(group_differences(result, topics, cfg.ci, cfg.min_tokens,
                                                 groups.min_clusters))
    diffs = pd.concat(differences, ignore_index=True) if differences else \
        pd.DataFrame(columns=list(DIFF_COLUMNS))
    return pd.concat(tables, ignore_index=True), diffs


SAMPLE_CELLS = 2_000_000  # resamples × owners × topics held at once in owner_intervals
DRAW_CELLS = 16_000_000  # resamples × documents drawn by one task of owner_intervals
# ... of which this many are held at once (draws, counts, floats: 8 MB each; _drawn_blocks)
DRAWN_BLOCK_CELLS = 1_000_000


def _owner_chunks(bounds: np.ndarray, step: int, n_boot: int) -> list[tuple[int, int]]:
    """Consecutive owners [first, last) resampled together: at most `step` owners, and at
    most DRAW_CELLS resampled documents unless one owner alone has more. (300 speakers of
    100M characters in one chunk drew 280,000 documents × 500 resamples: 4.5 GB.)"""
    chunks, first, n_owners = [], 0, len(bounds) - 1
    while first < n_owners:
        last = first + 1
        while (last < n_owners and last - first < step
               and (bounds[last + 1] - bounds[first]) * n_boot <= DRAW_CELLS):
            last += 1
        chunks.append((first, last))
        first = last
    return chunks


@dataclass(frozen=True)
class OwnerChunk:
    """One task of owner_intervals: the rows of n_owners consecutive owners (`local`: each
    row's owner, from 0), how they are resampled, and the generator's seed."""

    theta: np.ndarray
    n_tokens: np.ndarray
    local: np.ndarray
    n_owners: int
    how: Resampling
    seed: tuple[int, ...]


def chunk_intervals(chunk: OwnerChunk) -> tuple[np.ndarray, np.ndarray]:
    """Both bounds (owners × topics) of a chunk's owners, every one resampled at once."""
    from scipy import sparse  # see group_samples

    part, tokens, local, n_boot = chunk.theta, chunk.n_tokens, chunk.local, chunk.how.n_boot
    n_local, n_topics = chunk.n_owners, part.shape[1]
    index = np.arange(len(local))
    weighted = in_blocks(part * tokens[:, None], local, n_local)
    totals = sparse.csr_matrix((tokens, (index, local)), shape=(len(local), n_local))
    num = np.empty((n_boot, n_local, n_topics))
    den = np.empty((n_boot, n_local))
    for start, drawn in _drawn_blocks(local, n_local, n_boot,
                                      np.random.default_rng(list(chunk.seed))):
        stop = start + drawn.shape[1]
        num[start:stop] = (weighted.T @ drawn).T.reshape(stop - start, n_local, n_topics)
        den[start:stop] = (totals.T @ drawn).T
    # _ratio's quotients made in num itself, and the quantiles partition it in place: the
    # same figures, without two more arrays of its size.
    num /= np.where(den > 0, den, 1.0)[..., None]
    num[~(den > 0)] = 1.0 / n_topics
    alpha = (1 - chunk.how.ci) / 2  # as _interval takes it
    low, high = np.quantile(num, [alpha, 1 - alpha], axis=0, overwrite_input=True)
    return low, high


def _drawn_blocks(owner: np.ndarray, n_owners: int, n_boot: int, rng: np.random.Generator
                  ) -> Iterator[tuple[int, np.ndarray]]:
    """_draw_within's multiplicities (documents × resamples, floats in row-major order, as
    the sparse products read them) a block of resamples at a time: each block the whole
    draw's next rows (one generator, drawn on in the same order), each resample's sums made
    alone, so the figures are the same. Whole, a chunk of DRAW_CELLS held three such arrays
    at once (draws, counts, floats: 384 MB in the stage and in each worker)."""
    block = max(1, min(n_boot, DRAWN_BLOCK_CELLS // max(len(owner), 1)))
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        yield start, np.ascontiguousarray(_draw_within(owner, n_owners, size, rng).T,
                                          dtype=float)


def owner_chunks(n_docs: np.ndarray, n_topics: int, n_boot: int) -> list[tuple[int, int]]:
    """owner_intervals' chunks of owners, from each owner's number of documents."""
    bounds = np.concatenate(([0], np.cumsum(n_docs)))
    return _owner_chunks(bounds, max(1, SAMPLE_CELLS // max(n_boot * n_topics, 1)), n_boot)


@dataclass(frozen=True)
class OwnerRows:
    """Consecutive owners' rows sorted by owner (each owner's in the order given): shares,
    tokens and owners, `start` the first row's place among every owner's rows."""

    theta: np.ndarray
    n_tokens: np.ndarray
    owner: np.ndarray
    bounds: np.ndarray  # owner i's rows among every owner's: bounds[i]:bounds[i + 1]
    start: int = 0


def chunk_bounds(rows: OwnerRows, chunks: list[tuple[int, int]], how: Resampling
                 ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """owner_intervals' bounds of `chunks` (each a task of compute.parallel_map), whose rows
    are all in `rows`."""
    at = rows.bounds - rows.start
    tasks = (OwnerChunk(rows.theta[at[first]:at[last]], rows.n_tokens[at[first]:at[last]],
                        rows.owner[at[first]:at[last]] - first, last - first, how,
                        (how.seed, 15, first) if first else (how.seed, 15))
             for first, last in chunks)
    return parallel_map(chunk_intervals, tasks)


def owner_intervals(theta: np.ndarray, n_tokens: np.ndarray, owner: np.ndarray,
                    n_owners: int, how: Resampling) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals (how.ci) of each owner's (speaker's) token-weighted shares, in
    how.n_boot resamples, resampling its documents with replacement: every owner of a chunk
    at once, in chunks of owners that bound the memory, each chunk a task
    (compute.parallel_map) with its own generator: [how.seed, 15] for the first chunk (a
    table of one chunk draws as before chunks were tasks), [how.seed, 15, its first owner]
    for the others. Documents of one owner are drawn in the order given: pass them in a
    fixed order (by doc_id) for repeatable output."""
    n_boot, n_topics = how.n_boot, theta.shape[1]
    low = np.empty((n_owners, n_topics))
    high = np.empty((n_owners, n_topics))
    order = np.argsort(owner, kind="stable")
    theta, n_tokens, owner = theta[order], n_tokens[order].astype(float), owner[order]
    bounds = np.searchsorted(owner, np.arange(n_owners + 1))
    chunks = owner_chunks(np.diff(bounds), n_topics, n_boot)
    found = chunk_bounds(OwnerRows(theta, n_tokens, owner, bounds), chunks, how)
    for (first, last), (lo, hi) in zip(chunks, found, strict=True):
        low[first:last], high[first:last] = lo, hi
    return low, high
