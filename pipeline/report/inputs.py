"""Everything the report reads, as one typed object, and the one reader that fills it."""

from __future__ import annotations

import os
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import scipy.sparse as sp

from pipeline.common.io import (
    iter_documents,
    iter_table_blocks,
    iter_turns,
    read_header,
    read_json,
    read_meeting_titles,
    read_numbers,
    read_table,
)
from pipeline.common.paths import without_absolute_paths
from pipeline.model.themes import load_themes
from pipeline.report.doc_topic_blocks import (
    DocTopicSources,
    DocTopicsSummary,
    QuoteRule,
    read_doc_topic_blocks,
    summarize,
)
from pipeline.report.meeting_charts import meeting_attribute_files
from pipeline.report.quotes import quoted_doc_ids
from pipeline.report.scored import ScoredInputs, candidates
from pipeline.report.search_sample import SearchSample, sample_turns

CHART_FILES = {"heatmap": "speaker_topic_heatmap", "group_heatmap": "speaker_group_heatmap",
               "top_terms": "top_terms",
               "speaker_mix": "speaker_mix", "timeline": "timeline",
               "k_selection": "k_selection", "speaker_themes": "speaker_themes",
               "group_topics": "group_topics", "network": "cooccurrence_network",
               "correspondence": "speaker_term_ca"}


MEETING_ROWS = 50_000  # rows of meeting_topics.csv held at a time


@dataclass(frozen=True)
class ReportSettings:
    """The report's config values and how it was made."""

    title: str = "会議トピック分析"
    n_quotes: int = 3
    quote_min_share: float = 0.5
    search_max_chars: int = 5_000_000
    search_max_turns: int = 100_000
    seed: int = 0
    command: str = "dvc repro"
    config_text: str = ""
    time_bin: str = "auto"


@dataclass(frozen=True)
class ReportInputs:
    """The outputs of the earlier stages that the report shows.

    `documents` holds every document of the modelled turns (documents.jsonl) in corpus order,
    `turns` every turn of turns.csv (read_search_turns: the text only of those without a
    document); past `settings.search_max_chars` characters of turns, in corpus order, text is
    "" (except the quoted documents'), so a huge corpus never sits whole in memory or in the
    page. Past `settings.search_max_turns` turns, `turns` and `documents` hold only a fixed
    random sample of the turns (`search`: search_sample.py) and the quoted documents (those
    outside the sample marked `searched: False`). `doc_topics` holds the rows of the
    documents the page shows (searched or quoted: their shares), `doc_topics_summary` what
    it shows of every row.
    """

    ingest: dict
    tokens: dict
    model: dict
    topics: list[dict]
    doc_topics: pd.DataFrame
    documents: list[dict]
    shares: pd.DataFrame
    roster: list[dict] = field(default_factory=list)
    charts: dict[str, bytes] = field(default_factory=dict)
    relevance: dict | None = None
    speaker_terms: pd.DataFrame | None = None
    speaker_themes: pd.DataFrame | None = None
    speakers_metrics: dict | None = None
    group_topics: pd.DataFrame | None = None  # group_topics.csv and group_differences.csv
    group_differences: pd.DataFrame | None = None
    dtm: sp.csr_matrix | None = None  # rows in doc_topics order: the topic map's distances
    # Of every row of doc_topics.csv and the matrix, when doc_topics holds only those shown
    # (read_report_inputs); None: doc_topics and dtm are whole (summarize).
    doc_topics_summary: DocTopicsSummary | None = None
    themes: list[dict] = field(default_factory=list)  # {name, seeds, guides} per theme
    meeting_dates: dict[str, str] = field(default_factory=dict)  # for documents without one
    meeting_titles: dict[str, str] = field(default_factory=dict)  # meeting -> its title
    turns: list[dict] = field(default_factory=list)  # every turn, for the search
    stopwords: list[str] = field(default_factory=list)
    settings: ReportSettings = field(default_factory=ReportSettings)
    meeting_attribute_topics: pd.DataFrame | None = None  # meeting_attribute_topics.csv
    meeting_attribute_charts: dict[str, bytes] = field(default_factory=dict)  # name -> PNG
    topic_time: pd.DataFrame | None = None  # topic_time.csv
    scored: ScoredInputs | None = None  # the score stage's meetings (score.input)
    # This run compared with earlier ones (report.compare_with, report.since_last_run): the
    # sections' plain data, made by pipeline.compare (a later step than the report's code).
    comparisons: list[dict] = field(default_factory=list)
    search: SearchSample | None = None  # the turns the search reads; None: every turn
    # Every document's meeting (documents holds only the sample's past search_max_turns).
    document_meetings: frozenset[str] | None = None


def read_report_inputs(args, config) -> ReportInputs:
    """Read the report's inputs from the paths the stage was given (dvc.yaml names them)."""
    topics = read_json(args.topics)
    settings = ReportSettings(
        title=config.report.title, n_quotes=config.report.n_quotes,
        quote_min_share=config.report.quote_min_share,
        search_max_chars=config.report.search_max_chars,
        search_max_turns=config.report.search_max_turns, seed=config.seed,
        command=dvc_command(), time_bin=config.report.time_bin,
        config_text=without_absolute_paths(Path(args.config).read_text(encoding="utf-8")))
    charts = Path(args.charts)
    search = sample_turns(sum(1 for _ in iter_turns(args.turns)), settings.search_max_turns,
                          settings.seed)
    turns, kept = read_search_turns(args.turns, settings.search_max_chars, search)
    searched = frozenset((t["meeting"], t["turn"]) for t in turns) if search.sampled else None
    # Only the rows the page shows are held, and sums over the others (doc_topic_blocks).
    doc_topics, summary = read_doc_topic_blocks(
        DocTopicSources(Path(args.doc_topics), Path(args.index), Path(args.dtm), searched),
        QuoteRule(tuple(t["topic"] for t in topics), settings.n_quotes,
                  settings.quote_min_share))
    quoted = quoted_doc_ids(doc_topics, topics, settings.n_quotes, settings.quote_min_share)
    documents, document_meetings = read_report_documents(args.documents, quoted, kept,
                                                         searched)
    return ReportInputs(
        ingest=read_json(args.ingest_metrics), tokens=read_json(args.tokens_metrics),
        model=with_k_sweep(with_label_warnings(read_json(args.model_metrics),
                                               read_json(args.label_notes)),
                           read_numbers(args.k_sweep)),
        topics=topics, doc_topics=doc_topics, doc_topics_summary=summary,
        documents=documents, turns=turns, search=search,
        document_meetings=document_meetings,
        shares=read_table(args.speaker_topics), roster=read_json(args.roster),
        charts={key: (charts / f"{name}.png").read_bytes() for key, name in CHART_FILES.items()},
        relevance=read_json(args.relevance), speaker_terms=read_table(args.speaker_terms),
        speaker_themes=read_table(args.speaker_themes),
        speakers_metrics=read_json(args.speakers_metrics),
        group_topics=read_table(args.group_topics),
        group_differences=read_table(args.group_differences),
        themes=[{"name": t.name, "seeds": list(t.seeds), "guides": t.guides}
                for t in load_themes(args.themes)],
        stopwords=user_stopwords(Path(args.stopwords).read_text(encoding="utf-8")),
        meeting_dates=read_meeting_dates(args.meeting_topics, {
            *(t["meeting"] for t in turns), *(d["meeting"] for d in documents)}),
        meeting_titles=read_meeting_titles(args.meetings),
        settings=settings,
        scored=read_scored(args.score_meeting_topics, args.score_summary, args.meeting_topics),
        topic_time=read_table(args.topic_time),
        **meeting_attribute_inputs(args.meeting_attribute_topics, charts))


def doc_topics_summary(inputs: ReportInputs) -> DocTopicsSummary:
    """What the report shows of every row of doc_topics.csv: as read, or of the table and
    matrix held whole (inputs made in memory)."""
    return inputs.doc_topics_summary or summarize(inputs.doc_topics, inputs.dtm)


def meeting_attribute_inputs(path: str, charts: Path) -> dict:
    """meeting_attribute_topics.csv and each of its attributes' chart (the charts stage
    names them with meeting_attribute_files)."""
    table = read_table(path)
    names = list(dict.fromkeys(table["attribute"].astype(str))) if len(table) else []
    files = meeting_attribute_files(names)
    return {"meeting_attribute_topics": table,
            "meeting_attribute_charts": {
                n: (charts / "meeting_attributes" / files[n]).read_bytes() for n in names}}


def read_report_documents(path: str | Path, quoted: set[str], kept: set[tuple[str, int]],
                          searched: AbstractSet[tuple[str, int]] | None = None
                          ) -> tuple[list[dict], frozenset[str]]:
    """The documents of the searched turns (every turn: `searched` None; their text where
    their turn is in `kept`) and the quoted ones (with their text; `searched: False` when
    their turn is not searched), in corpus order; and every document's meeting."""
    documents, meetings = [], set()
    for d in iter_documents(path):
        meetings.add(d["meeting"])
        turn = (d["meeting"], int(d["turn"]))
        if d["doc_id"] in quoted:
            documents.append(d if searched is None or turn in searched
                             else {**d, "searched": False})
        elif searched is None or turn in searched:
            documents.append(d if turn in kept else {**d, "text": ""})
    return documents, frozenset(meetings)


def read_search_turns(path: str | Path, max_chars: int, search: SearchSample | None = None
                      ) -> tuple[list[dict], set[tuple[str, int]]]:
    """Every turn of turns.csv for the search (those of `search` only, when given), in
    corpus order: meeting, turn, speaker, role, date, group, modelled, and the text of a
    turn without documents (the chair's, a procedure-only meeting's, ...; the documents carry
    the others'). Past `max_chars` characters of these turns, text is "" and `cut` true.
    Also the modelled turns within the bound, whose documents keep their text."""
    turns, kept, used = [], set(), 0
    for number, row in enumerate(iter_turns(path)):
        if search is not None and not search.has(number):
            continue
        used += len(row["text"])
        within, modelled = used <= max_chars, row["modelled"] == "True"
        key = (row["meeting"], int(row["turn"]))
        if modelled and within:
            kept.add(key)
        turns.append({"meeting": key[0], "turn": key[1], "speaker": row["speaker"],
                      "role": row["role"], "date": row["date"], "group": row.get("group", ""),
                      "modelled": modelled, "cut": not within and bool(row["text"]),
                      "text": row["text"] if within and not modelled else ""})
    return turns, kept


def with_label_warnings(model: dict, notes: dict) -> dict:
    """model.json with the label stage's warnings (a stale configs/topic_labels.yaml) after
    its own: the report shows them where it shows the model's."""
    return {**model, "warnings": [*model.get("warnings", []), *notes["warnings"]]}


def with_k_sweep(model: dict, sweep: pd.DataFrame) -> dict:
    """model.json with its per-K figures (`per_k`, by K) from k_sweep.csv: they are plot data,
    out of the metrics, so that `dvc exp show` stays readable. A fixed K has one row."""
    per_k = {str(int(r["k"])): {"npmi": r["npmi"], "c_v": r["c_v"], "stability": r["stability"],
                                "diversity": r["diversity"], "largest_topic": r["largest_topic"]}
             for r in sweep.to_dict("records")}
    return {**model, "per_k": per_k if len(per_k) > 1 else {}}


def meeting_dates(meeting_topics: pd.DataFrame) -> dict[str, str]:
    """meeting -> date, where meeting_topics.csv has a date column (inputs with dates)."""
    if "date" not in meeting_topics:
        return {}
    known = meeting_topics[meeting_topics["date"].astype(str) != ""]
    return dict(zip(known["meeting"].astype(str), known["date"].astype(str), strict=True))


def read_meeting_dates(path: str | Path, meetings: AbstractSet[str]) -> dict[str, str]:
    """meeting_dates of meeting_topics.csv for `meetings` (those the page shows a line of),
    its two columns read a block at a time: the table has a row per meeting and topic (a GB
    at 300M characters of short meetings)."""
    if "date" not in read_header(path):
        return {}
    dates: dict[str, str] = {}
    for block in iter_table_blocks(path, MEETING_ROWS, ["meeting", "date"]):
        dates.update(meeting_dates(block[block["meeting"].astype(str).isin(meetings)]))
    return dates


def read_scored(scored: str | Path, summary: str | Path, fitted: str | Path) -> ScoredInputs:
    """The score stage's outputs, and of meeting_topics.csv the rows of the fitted meetings
    a scored one may be near (scored.candidates): none when nothing was scored."""
    meetings = read_table(scored)
    kept = pd.DataFrame()
    if not meetings.empty:
        blocks = [candidates(b) for b in iter_table_blocks(fitted, MEETING_ROWS)]
        kept = pd.concat(blocks) if blocks else kept
    return ScoredInputs(meetings=meetings, summary=read_json(summary), fitted=kept)


def user_stopwords(text: str) -> list[str]:
    """The words of a stopwords file as the user wrote them (# comments and blanks skipped)."""
    return sorted({w for w in (line.strip() for line in text.splitlines())
                   if w and not w.startswith("#")})


def dvc_command() -> str:
    """The command that makes this report again: an experiment is applied first."""
    experiment = os.environ.get("DVC_EXP_NAME")
    return f"dvc exp apply {experiment} && dvc repro" if experiment else "dvc repro"
