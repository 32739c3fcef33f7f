"""Stage charts: tables -> PNG charts (speaker × topic heatmap, top terms per topic, topics
over time, groups and meeting attributes × topics)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import write_files
from pipeline.common.errors import PipelineError
from pipeline.common.io import (
    iter_table_blocks,
    n_fitted_topics,
    read_doc_topics,
    read_document_table,
    read_index,
    read_json,
    read_meeting_titles,
    read_numbers,
    read_table,
)
from pipeline.report.charts import (
    group_chart,
    k_selection_chart,
    speaker_group_heatmap,
    speaker_heatmap,
    speaker_mix_chart,
    theme_heatmap,
    top_terms_chart,
)
from pipeline.report.figure_files import figure_png, figure_svg
from pipeline.report.meeting_charts import meeting_attribute_chart, meeting_attribute_files
from pipeline.report.timeline import flow_chart, shows_flow, time_chart
from pipeline.stages._cli import log, run, stage_parser

# Errors matplotlib raises on a chart it cannot draw (an image too large, a font it cannot
# set); our own bugs (KeyError, TypeError, ...) still show their traceback.
_DRAWING_ERRORS = (ValueError, RuntimeError, OverflowError)
WITH_SVG = {"speaker_topic_heatmap"}


def draw(name: str, make, formats: dict[str, Callable]) -> dict[str, bytes]:
    """One chart's file contents by suffix; a chart matplotlib cannot draw is one line."""
    try:
        fig = make()
        return {suffix: render(fig) for suffix, render in formats.items()}
    except _DRAWING_ERRORS as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PipelineError(
            f"{name}: matplotlib cannot draw this chart ({reason}); no chart was replaced; "
            "rerun with PIPELINE_DEBUG=1 and report the traceback") from exc


def attribute_makers(attributes: pd.DataFrame, differences: pd.DataFrame,
                     topics: list[dict]) -> dict[str, Callable]:
    """One chart per speaker attribute (ingest.columns.attributes) but group (which has
    group_topics.png), in a folder of its own."""
    return {f"attributes/{name}_topics": (lambda part=part, name=name: group_chart(
        part.drop(columns="attribute").rename(columns={"value": "group"}),
        differences[differences["attribute"] == name], topics, attribute=name))
        for name, part in attributes.groupby("attribute", sort=True) if name != "group"}


def meeting_attribute_makers(table: pd.DataFrame, topics: list[dict]) -> dict[str, Callable]:
    """One chart per meeting attribute (meeting_attribute_topics.csv), in a folder of its
    own."""
    names = list(dict.fromkeys(table["attribute"].astype(str)))
    files = meeting_attribute_files(names)
    return {f"meeting_attributes/{files[name].removesuffix('.png')}":
            (lambda name=name: meeting_attribute_chart(
                table[table["attribute"].astype(str) == name], topics))
            for name in names}


def timeline_maker(args, config, topics: list[dict]) -> Callable:
    """Each meeting's flow, turn by turn (auto, a few meetings), else topic_time.csv drawn
    over time (report.time_bin). The documents are read only for the flow: on a corpus of
    many meetings they were most of the stage's reading."""
    # The meetings counted a block of rows at a time: a column of every document's meeting
    # held whole grew with the corpus.
    meetings: set[str] = set()
    for block in iter_table_blocks(args.doc_topics, 100_000, ["meeting"]):
        meetings.update(block["meeting"])
    if shows_flow(config.report.time_bin, len(meetings)):
        doc_topics = dated_doc_topics(args)
        return lambda: flow_chart(doc_topics, topics, read_meeting_titles(args.meetings))
    undated = read_json(args.speakers_metrics).get("n_meetings_undated_in_time", 0)
    return lambda: time_chart(read_table(args.topic_time, TIME_COLUMNS), topics, undated)


def dated_doc_topics(args) -> pd.DataFrame:
    """doc_topics.csv with each document's modelled tokens and its date (documents.jsonl)."""
    doc_topics = read_doc_topics(args.doc_topics, read_index(args.index))
    dates = read_document_table(args.documents).set_index("doc_id")["date"]
    return doc_topics.assign(date=doc_topics["doc_id"].map(dates).fillna(""))


# The columns the charts read from each table the speakers and label stages write: a table
# edited by hand without one is one line naming it.
SHARES_COLUMNS = ("speaker", "topic", "share", "ci_low", "ci_high", "n_tokens", "low_data")
TERMS_COLUMNS = ("topic", "rank", "term", "weight")
THEMES_COLUMNS = ("speaker", "theme", "share_docs", "n_docs")
TIME_COLUMNS = ("time_bin", "bin_start", "bin_label", "meeting", "topic", "share",
                "n_tokens", "n_meetings")
MEETING_ATTRIBUTE_COLUMNS = ("attribute", "value", "topic", "share", "ci_low", "ci_high",
                             "n_meetings", "n_tokens", "low_data", "distinguishing")


def chart_makers(args, config) -> dict[str, Callable]:
    """Every chart of the stage by its file's name (no suffix), each drawn when called."""
    shares = read_table(args.speaker_topics, SHARES_COLUMNS)
    topics = read_json(args.topics)
    groups, differences = read_table(args.group_topics), read_table(args.group_differences)
    sweep = read_numbers(args.k_sweep)
    coverage = read_table(args.speaker_themes, THEMES_COLUMNS)
    terms = read_table(args.topic_terms, TERMS_COLUMNS)
    makers = {
        "speaker_topic_heatmap": lambda: speaker_heatmap(shares, topics),
        "speaker_group_heatmap": lambda: speaker_group_heatmap(shares, topics),
        "top_terms": lambda: top_terms_chart(terms, topics),
        "speaker_mix": lambda: speaker_mix_chart(shares, topics),
        "timeline": timeline_maker(args, config, topics),
        "k_selection": lambda: k_selection_chart(sweep, n_fitted_topics(topics)),
        "speaker_themes": lambda: theme_heatmap(coverage),
        "group_topics": lambda: group_chart(
            groups, differences[differences["attribute"] == "group"], topics),
    }
    makers |= attribute_makers(read_table(args.attribute_topics), differences, topics)
    makers |= meeting_attribute_makers(
        read_table(args.meeting_attribute_topics, MEETING_ATTRIBUTE_COLUMNS), topics)
    return makers


def chart_formats(name: str) -> dict[str, Callable]:
    """The files a chart is saved as, by suffix."""
    return {"png": figure_png, "svg": figure_svg} if name in WITH_SVG else {"png": figure_png}


def main(args, config) -> None:
    makers = chart_makers(args, config)
    out = Path(args.out_dir)
    # Every chart is drawn before any file is replaced, and all are replaced together: a
    # chart that fails leaves the previous run's charts, never a mix of two runs.
    files = {}
    for name, make in makers.items():
        for suffix, data in draw(name, make, chart_formats(name)).items():
            files[out / f"{name}.{suffix}"] = data
    # The folder is a DVC output even when no attribute is configured: an index says what is
    # in it.
    for folder, none in (("attributes", "none: no speaker attributes"),
                         ("meeting_attributes", "none: no meeting attributes")):
        charted = sorted(p.name for p in files if p.parent == out / folder)
        files[out / folder / "index.txt"] = "".join(
            f"{n}\n" for n in charted or [none]).encode()
    write_files(files)
    log(f"charts: wrote {len(makers)} charts to {out}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("speaker_topics", "topic_terms", "topics", "doc_topics", "index", "k_sweep",
                 "speaker_themes", "documents", "group_topics", "group_differences", "meetings",
                 "attribute_topics", "meeting_attribute_topics", "topic_time",
                 "speakers_metrics", "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
