"""A run in a few kilobytes (outputs/report/run.json): what compare needs of it and nothing
more — its settings, its metrics, each topic's top terms with their weights, and each
speaker's main topic. The report stage writes one for every run, so a folder of copied
outputs (`cp -r outputs /tmp/before`) carries its settings, and the next run can be compared
with this one after its tables are replaced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.common.paths import without_absolute_paths
from pipeline.compare.core import Run, main_topics

VERSION = 1
TERM_COLUMNS = ("topic", "rank", "term", "weight")


def without_paths(value: Any) -> Any:
    """Settings with every absolute path cut to its last two parts (no output names this
    machine's folders)."""
    if isinstance(value, Mapping):
        return {str(k): without_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_paths(v) for v in value]
    return without_absolute_paths(value) if isinstance(value, str) else value


def run_snapshot(params: Mapping[str, Any], metrics: Mapping[str, Mapping[str, Any]],
                 topic_terms: pd.DataFrame, speaker_topics: pd.DataFrame) -> dict:
    """This run as run.json holds it (plain JSON data, the same for the same run)."""
    terms = topic_terms.sort_values(["topic", "rank"])
    main = main_topics(speaker_topics) if len(speaker_topics) else pd.DataFrame(
        columns=["topic", "share", "n_tokens"])
    return {
        "version": VERSION,
        "params": without_paths(dict(params)),
        "metrics": {stem: without_paths(dict(m)) for stem, m in sorted(metrics.items())},
        "topic_terms": [[int(r.topic), int(r.rank), str(r.term), round(float(r.weight), 6)]
                        for r in terms.itertuples()],
        "speakers": [[str(s), int(r.topic), round(float(r.share), 6), int(r.n_tokens)]
                     for s, r in main.sort_index().iterrows()],
    }


def run_from_snapshot(snapshot: Mapping[str, Any], name: str) -> Run:
    """The Run compare reads, from run.json's data (speakers: their main topic only, which
    is all that compare uses of them)."""
    speakers = pd.DataFrame(snapshot["speakers"],
                            columns=["speaker", "topic", "share", "n_tokens"])
    return Run(name=name, params=dict(snapshot["params"]), metrics=dict(snapshot["metrics"]),
               topic_terms=pd.DataFrame(snapshot["topic_terms"], columns=list(TERM_COLUMNS)),
               speaker_topics=speakers)


def with_common_metrics(a: Run, b: Run) -> tuple[Run, Run]:
    """Both runs with only the metric files both have: a file one run lacks (a folder holds
    every metrics file, run.json those the report reads) is not a change."""
    common = set(a.metrics) & set(b.metrics)

    def keep(run: Run) -> Run:
        return Run(name=run.name, params=run.params,
                   metrics={k: v for k, v in run.metrics.items() if k in common},
                   topic_terms=run.topic_terms, speaker_topics=run.speaker_topics)

    return keep(a), keep(b)
