"""The speakers stage's core: every table of who talked about what, from the documents'
topic shares, the one document table and the documents' terms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from pipeline.common.config import SpeakersConfig
from pipeline.common.io import topic_number
from pipeline.model.themes import Theme
from pipeline.speakers.attribute_names import NO_VALUE
from pipeline.speakers.groups import (
    DIFF_COLUMNS,
    MAX_PAIRS,
    MISSING,
    REST,
    Resampling,
    SharedDocs,
    ValueGroups,
    compare_values,
    distinguishing_topics,
    group_differences,
    group_samples,
    matrix_of,
    owner_intervals,
    stored_rows,
)
from pipeline.speakers.meeting_attributes import meeting_attribute_topics
from pipeline.speakers.pooling import pool_speakers
from pipeline.speakers.shares import aggregate_shares, shares_table
from pipeline.speakers.stored import (
    MEETING_COLUMNS,
    MeetingBlocks,
    meeting_order,
    stored_figures,
    stored_prevalence,
    stored_speakers,
    stored_time,
)
from pipeline.speakers.term_counts import TermRecord, TermTables, count_terms, term_tables
from pipeline.speakers.time_bins import COLUMNS as TIME_COLUMNS
from pipeline.speakers.time_bins import topic_time

GROUP = "group"  # the attribute whose table is group_topics.csv


@dataclass
class SpeakerTables:
    """Every table the speakers stage writes, and the facts for its metrics."""

    speaker_topics: pd.DataFrame
    role_topics: pd.DataFrame
    meeting_topics: pd.DataFrame
    group_topics: pd.DataFrame
    attribute_topics: pd.DataFrame
    group_differences: pd.DataFrame
    speaker_terms: pd.DataFrame
    speaker_themes: pd.DataFrame
    prevalence: pd.DataFrame
    meeting_attribute_topics: pd.DataFrame = field(default_factory=pd.DataFrame)
    topic_time: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TIME_COLUMNS))
    time_bin: str = ""  # topic_time's bin (report.time_bin, auto resolved)
    n_undated_in_time: int = 0  # modelled meetings left out of topic_time: no date
    # meeting_topics a block at a time, when the shares are on disk (meeting_topics empty)
    meeting_blocks: MeetingBlocks | None = None
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerInputs:
    """What the speakers stage summarizes: the documents' topic shares, the one document
    table and the documents' terms."""

    doc_topics: pd.DataFrame  # doc_topics.csv with n_tokens (common.io.read_doc_topics)
    documents: pd.DataFrame  # the document table (common.io.read_document_table)
    columns: list[str]  # the topic share columns of doc_topics
    # doc_id -> its terms (tokens.jsonl); the stage gives term_tables instead, counted as
    # tokens.jsonl streams by (nothing kept per document)
    terms: Mapping[str, Sequence[str]]
    themes: Sequence[Theme] = ()
    attributes: Sequence[str] = ()  # speaker attributes to tabulate (ingest.columns)
    procedural_docs: frozenset[str] = frozenset()  # documents tokenize marked as procedure
    # meetings.csv read as text (common.io.read_meeting_table): titles, meeting attributes
    meetings: pd.DataFrame | None = None
    time_bin: str = "auto"  # report.time_bin: topic_time.csv's bins
    term_tables: TermTables | None = None  # term_counts.term_tables of every document


def summarize(data: SpeakerInputs, cfg: SpeakersConfig, seed: int) -> SpeakerTables:
    """Shares per speaker (partially pooled), role, meeting (with its date) and attribute
    value (two-level bootstrap), group differences, distinctive terms and theme coverage.

    Speakers whose words are procedure (procedural.py) are left out of the speaker, group
    and attribute tables, and listed: a topic mix of 動議 alone would read as a subject.
    Their documents still count for their meetings and roles."""
    frame, present = document_frame(data)
    columns, topics = data.columns, [topic_number(c) for c in data.columns]
    terms = data.term_tables if data.term_tables is not None else term_tables(count_terms(
        (TermRecord(d, w, d in data.procedural_docs) for d, w in data.terms.items()),
        data.documents.set_index("doc_id")["speaker"].to_dict(), data.themes))
    procedural = terms.procedural
    # Without procedural speakers the subject is every document: no copy of the frame.
    subject = frame[~frame["speaker"].isin(set(procedural))] if procedural else frame
    if subject.empty:  # nobody but procedure: show them rather than nothing
        subject, procedural = frame, []
    speakers = speaker_table(subject, columns, present, cfg, seed)
    roles = _shares_by(frame, columns, "role", cfg, seed)
    stored = stored_rows()
    # On disk, meeting_topics is made as it is written (a row per meeting and topic).
    blocks = None if stored is None else MeetingBlocks(stored, frame, meeting_order(frame),
                                                       columns, (cfg, seed))
    meetings = (with_dates(_shares_by(frame, columns, "meeting", cfg, seed), frame)
                if blocks is None else pd.DataFrame(columns=MEETING_COLUMNS))
    by_attribute, differences = attribute_tables(subject, columns, present, cfg, seed)
    diffs = difference_table([*differences,
                              speaker_differences(subject, columns, topics, cfg, seed)])
    prevalence = corpus_shares(frame, columns)
    speaker_of = data.documents.set_index("doc_id")["speaker"].rename("speaker")
    tables = SpeakerTables(
        speakers, roles, meetings, by_attribute.get(GROUP, _empty_groups(GROUP)),
        attribute_rows(by_attribute), diffs,
        terms.speaker_terms, terms.speaker_themes,
        pd.DataFrame({"topic": topics, "share": prevalence}))
    silent = sorted(set(speaker_of) - set(speakers["speaker"]) - set(procedural))
    n_values = {n: int(t[n].nunique()) for n, t in by_attribute.items()}
    tables = with_meeting_tables(replace(tables, meeting_blocks=blocks), frame, data, cfg, seed)
    return replace(tables, metrics=speaker_metrics(tables, n_values, silent, procedural, cfg))


def corpus_shares(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """topic_prevalence.csv's shares: every document's, weighted by its tokens."""
    stored = stored_rows()
    if stored is not None:
        return stored_prevalence(stored, frame)
    weights = frame["n_tokens"]
    return (frame[columns].mul(weights, axis=0).sum() / weights.sum()).to_numpy()


def with_meeting_tables(tables: SpeakerTables, frame: pd.DataFrame, data: SpeakerInputs,
                        cfg: SpeakersConfig, seed: int) -> SpeakerTables:
    """The tables by meeting attribute and by time (report.time_bin), made from every
    modelled document, as meeting_topics is."""
    meetings = data.meetings if data.meetings is not None else pd.DataFrame(
        columns=["meeting", "title"])
    titles = dict(zip(meetings["meeting"].astype(str), meetings["title"].astype(str),
                      strict=True))
    timeline = (topic_time(tables.meeting_topics, data.time_bin, titles)
                if tables.meeting_blocks is None
                else stored_time(tables.meeting_blocks, data.time_bin, titles))
    by_attribute = meeting_attribute_topics(frame, data.columns, meetings, cfg, seed)
    return replace(tables, meeting_attribute_topics=by_attribute, topic_time=timeline.table,
                   time_bin=timeline.unit, n_undated_in_time=timeline.n_undated)


def document_frame(data: SpeakerInputs) -> tuple[pd.DataFrame, list[str]]:
    """doc_topics sorted by doc_id, with each document's role, date and attributes (those of
    `data.attributes` that the documents have, returned too)."""
    docs = data.documents.set_index("doc_id")
    # Sorted by doc_id: every resample then depends on the documents, not on their order.
    doc_topics = data.doc_topics.sort_values("doc_id", kind="stable").reset_index(drop=True)
    frame = doc_topics.assign(
        role=doc_topics["doc_id"].map(docs["role"]).fillna(""),
        date=doc_topics["doc_id"].map(docs["date"]).fillna(""))
    present = [a for a in data.attributes if a in docs.columns]
    for name in present:
        values = frame["doc_id"].map(docs[name]).fillna("")
        frame[name] = values.where(~values.isin(NO_VALUE), MISSING)
    return frame, present


def _shares_by(frame: pd.DataFrame, columns: list[str], by: str, cfg: SpeakersConfig,
               seed: int) -> pd.DataFrame:
    """role_topics or meeting_topics: one-level bootstrap over each group's documents."""
    stored = stored_rows()
    figures = None if stored is None else stored_figures(stored, frame, by, cfg, seed)
    table = (aggregate_shares(frame, columns, by, cfg, seed) if stored is None or figures is None
             else shares_table(figures, columns, by, cfg.min_tokens))
    return table.assign(topic=table["topic"].map(topic_number))


def attribute_tables(subject: pd.DataFrame, columns: list[str], attributes: list[str],
                     cfg: SpeakersConfig, seed: int) -> tuple[dict[str, pd.DataFrame],
                                                              list[pd.DataFrame]]:
    """Per attribute, its values' shares (two-level bootstrap) and their differences.

    Speakers without a value (MISSING: officials and witnesses have no 会派) get their row,
    but are no group: they are left out of every comparison, as a group and from the rest."""
    tables, differences = {}, []
    for name in attributes:
        tables[name], diffs = compare_values(
            subject, columns, ValueGroups(name, "speaker", cfg.min_group_speakers), cfg, seed)
        differences.append(diffs.assign(attribute=name))
    return tables, differences


def attribute_rows(by_attribute: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """attribute_topics.csv: every attribute's table, its values in a `value` column."""
    rows = pd.concat(
        [t.rename(columns={n: "value"}).assign(attribute=n) for n, t in by_attribute.items()],
        ignore_index=True) if by_attribute else _empty_groups("value").assign(attribute="")
    return rows[["attribute", *[c for c in rows.columns if c != "attribute"]]]


def difference_table(differences: list[pd.DataFrame]) -> pd.DataFrame:
    """group_differences.csv: the attributes' and the speakers' differences in one table."""
    found = [d for d in differences if not d.empty]
    diffs = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        columns=["attribute", *DIFF_COLUMNS])
    return diffs[["attribute", *[c for c in diffs.columns if c != "attribute"]]]


def speaker_metrics(tables: SpeakerTables, n_values: dict[str, int], without_terms: list[str],
                    procedural: list[str], cfg: SpeakersConfig) -> dict:
    """speakers.json: `n_values` of each attribute, the speakers `without_terms` (every
    document of theirs lost all its terms: only fillers, names, procedure) and those whose
    words are `procedural`."""
    speakers, diffs = tables.speaker_topics, tables.group_differences
    listed = speakers.drop_duplicates("speaker")
    low = sorted(listed.loc[listed["low_data"], "speaker"])
    distinct = distinguishing_topics(diffs[diffs["attribute"] == GROUP]) if len(diffs) else []
    return {
        "n_speakers": int(len(listed)), "n_speakers_low_data": len(low),
        "speakers_low_data": low,
        "speakers_without_terms": without_terms,
        # Speakers whose words are mostly procedure: no topic mix of theirs is shown.
        "n_speakers_procedural": len(procedural), "speakers_procedural": procedural,
        "min_tokens": cfg.min_tokens, "ci": cfg.ci, "n_bootstrap": cfg.n_bootstrap,
        "prior_documents": round(float(speakers.attrs.get("kappa", 0.0)), 4),
        "attributes": n_values,
        "n_group_topics_distinguishing": int(len(distinct)),
        # Groups of fewer than min_group_speakers speakers: shown, never marked distinctive.
        "min_group_speakers": cfg.min_group_speakers,
        "groups_small": _small_groups(tables.group_topics),
        "n_meetings_dated": (tables.meeting_blocks.order.n_dated if tables.meeting_blocks
                             else int((tables.meeting_topics.drop_duplicates("meeting")["date"]
                                       != "").sum())),
        # topic_time.csv: the bin used (report.time_bin, auto resolved) and the modelled
        # meetings it leaves out for want of a date.
        "time_bin": tables.time_bin,
        "n_time_bins": int(tables.topic_time.drop_duplicates(["bin_start", "bin_label",
                                                              "meeting"]).shape[0]),
        "n_meetings_undated_in_time": tables.n_undated_in_time,
        "meeting_attributes": {
            str(n): int(part["value"].nunique())
            for n, part in tables.meeting_attribute_topics.groupby("attribute", sort=False)},
    }


def _small_groups(groups: pd.DataFrame) -> list[str]:
    """The groups (not the speakers without one) of fewer than min_group_speakers."""
    small = groups[groups["small_group"].astype(bool) & (groups["group"] != MISSING)]
    return sorted(small["group"].unique())


def speaker_table(frame: pd.DataFrame, columns: list[str], attributes: Sequence[str],
                  cfg: SpeakersConfig, seed: int) -> pd.DataFrame:
    """One row per speaker × topic: share with interval, counts, the low-data flag, the
    speaker's own share (`share_raw`), whether the share is pooled, and their attributes.

    A speaker with enough text (min_tokens, two documents or more) keeps their own share
    and a bootstrap interval over their documents; a speaker with little text gets the
    partially pooled share and interval (pooling.py): their own share alone would read as
    certainty (one document: 53%–53%), and is still in `share_raw`.
    """
    topics = [topic_number(c) for c in columns]
    codes, names = pd.factorize(frame["speaker"], sort=True)
    n_tokens = frame["n_tokens"].to_numpy(float)
    how, stored = Resampling(cfg.n_bootstrap, cfg.ci, seed), stored_rows()
    if stored is None:
        theta = frame[columns].to_numpy(float)
        pooled = pool_speakers(theta, n_tokens, codes, len(names), cfg.ci)
        low, high = owner_intervals(theta, n_tokens, codes, len(names), how)
    else:
        figures = stored_speakers(stored, frame, codes, len(names), how)
        pooled, low, high = figures.pooled, figures.low, figures.high
    n_docs = np.bincount(codes, minlength=len(names))
    tokens = np.bincount(codes, weights=n_tokens, minlength=len(names)).astype(int)
    little = ((tokens < cfg.min_tokens) | (n_docs < 2))[:, None]
    share = np.where(little, pooled.share, pooled.raw)
    # Percentiles can miss the point estimate by rounding on tiny groups; keep it inside.
    low = np.where(little, pooled.ci_low, np.minimum(low, share))
    high = np.where(little, pooled.ci_high, np.maximum(high, share))
    n_topics = len(topics)
    table = pd.DataFrame({
        "speaker": np.repeat(np.asarray(names), n_topics),
        "topic": np.tile(topics, len(names)),
        "share": share.ravel(), "ci_low": low.ravel(), "ci_high": high.ravel(),
        "n_docs": np.repeat(n_docs, n_topics), "n_tokens": np.repeat(tokens, n_topics),
        "low_data": np.repeat(tokens < cfg.min_tokens, n_topics),
        "share_raw": pooled.raw.ravel(), "pooled": np.repeat(little.ravel(), n_topics),
    })
    for name in attributes:
        # A speaker's most frequent value (ties: the first in sorted order).
        counts = frame.groupby(["speaker", name]).size().reset_index(name="n")
        top = counts.sort_values(["speaker", "n", name], ascending=[True, False, True])
        table[name] = table["speaker"].map(top.drop_duplicates("speaker").set_index(
            "speaker")[name]).fillna(MISSING)
    table.attrs["kappa"] = pooled.kappa
    return table


def speaker_differences(frame: pd.DataFrame, columns: list[str], topics: list[int],
                        cfg: SpeakersConfig, seed: int) -> pd.DataFrame:
    """Differences between every two of the MAX_PAIRS speakers with the most tokens (rows
    with attribute `speaker` in group_differences.csv), resampling each one's documents."""
    sizes = frame.groupby("speaker")["n_tokens"].sum().reset_index()
    top = sizes.sort_values(["n_tokens", "speaker"], ascending=[False, True])["speaker"]
    rows = frame["speaker"].isin(set(top[:MAX_PAIRS])).to_numpy()
    part = frame.loc[rows, ["doc_id", "speaker"]]
    if part["speaker"].nunique() < 2:
        return pd.DataFrame()
    # Each document its own cluster: a speaker's documents are resampled, once each level.
    # Their rows of the one matrix, not a copy of the frame.
    docs = SharedDocs(matrix_of(frame, columns), frame["n_tokens"].to_numpy(),
                      part["doc_id"].to_numpy(), part["speaker"].to_numpy(),
                      part["doc_id"].to_numpy(), np.flatnonzero(rows))
    result = group_samples(docs, cfg.n_bootstrap, seed)
    pairs = group_differences(result, topics, cfg.ci, cfg.min_tokens)
    return pairs[pairs["other"] != REST].assign(attribute="speaker")


def with_dates(meetings: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """meeting_topics with each meeting's date (its earliest), ordered by date then meeting
    (undated meetings last)."""
    dated = frame[frame["date"] != ""]
    # The earliest date as the smallest code of the sorted distinct dates: a groupby min of
    # strings compares them in Python, document by document (0.3 s on 100,000 documents).
    codes, distinct = pd.factorize(dated["date"], sort=True)
    first = pd.Series(codes).groupby(dated["meeting"].to_numpy()).min()
    dates = dict(zip(first.index, distinct[first.to_numpy()], strict=True))
    out = meetings.assign(date=[dates.get(m, "") for m in meetings["meeting"]])
    out = out[["meeting", "date", *[c for c in out.columns if c not in ("meeting", "date")]]]
    out = out.assign(_undated=out["date"] == "")
    out = out.sort_values(["_undated", "date", "meeting", "topic"], kind="stable")
    return out.drop(columns="_undated").reset_index(drop=True)


def _empty_groups(column: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[column, "topic", "share", "ci_low", "ci_high", "n_speakers",
                                 "n_docs", "n_tokens", "low_data", "small_group"])
