"""A comparison of two runs as a section of the report (plain data for its templates): the
same comparison `python -m pipeline.compare` prints (core.py, matching.py), laid out for a
page. Run A is the earlier one, B this run."""

from __future__ import annotations

from collections import Counter

from pipeline.compare.core import MODEL_READINGS, Comparison, Run, compare_runs
from pipeline.compare.matching import Change
from pipeline.compare.snapshot import run_from_snapshot, with_common_metrics
from pipeline.compare.text import EXPLAIN, delta, group_rows, topic_name, value

MAX_MOVED = 50  # speakers listed; the rest are counted
MAX_OTHER_READINGS = 20  # metrics beyond the model's readings that changed

# What each kind of earlier run is called in the section's heading.
SINCE_LAST_RUN = "last_run"
COMPARE_WITH = "compare_with"
# Settings of the comparison itself: that one run compares and the other did not is no change
# of the run.
OWN_SETTINGS = frozenset({"report.compare_with", "report.since_last_run"})
# The model's readings as the report's overview names them.
READING_NAMES = {"model.n_topics": "トピック数 K", "model.coherence_npmi": "一貫性 NPMI",
                 "model.coherence_c_v": "一貫性 C_V", "model.diversity": "多様性",
                 "model.stability": "安定性", "model.largest_topic_share": "最大トピックの割合",
                 "model.smallest_topic_share": "最小トピックの割合",
                 "model.n_dead_topics": "ほぼ使われないトピック", "model.n_procedural_topics":
                 "手続きのトピック"}


def comparison_section(earlier: Run, current: Run, kind: str) -> dict:
    """The context of one comparison (`kind`: SINCE_LAST_RUN or COMPARE_WITH)."""
    c = compare_runs(*with_common_metrics(earlier, current))
    model = {f"model.{k}" for k in MODEL_READINGS}
    readings = [{"key": k, "name": READING_NAMES.get(k, k), "a": value(a), "b": value(b),
                 "delta": delta(a, b)} for k, a, b in c.readings]
    settings = [{"key": k, "a": value(a), "b": value(b)} for k, a, b in c.settings
                if k not in OWN_SETTINGS]
    counts = Counter(g.change for g in c.groups)
    return {
        "kind": kind, "source": c.a,
        "settings": settings,
        "k": [value(c.k[0]), value(c.k[1])],
        "readings": [r for r in readings if r["key"] in model],
        "other_readings": [r for r in readings if r["key"] not in model][:MAX_OTHER_READINGS],
        "n_other_readings": sum(r["key"] not in model for r in readings),
        "counts": [{"change": str(ch), "name": EXPLAIN[ch], "n": counts[ch]}
                   for ch in Change if counts[ch]],
        "groups": _groups(c),
        "moved": [{"speaker": m.speaker, "n_tokens": m.n_tokens,
                   "a": topic_name(m.a_topic, c.labels_a), "a_share": m.a_share,
                   "b": topic_name(m.b_topic, c.labels_b), "b_share": m.b_share}
                  for m in c.moved[:MAX_MOVED]],
        "n_moved": len(c.moved), "n_speakers": c.n_speakers,
        "unchanged": not settings and all(g.change is Change.SAME for g in c.groups)
        and not c.moved,
    }


def _groups(c: Comparison) -> list[dict]:
    """Each group of matched topics as lines (A's topic, B's topic, their overlap), changes
    first (what a reader looks for), then the topics that stayed."""
    out = []
    for group in c.groups:
        rows = [{"a": topic_name(i, c.labels_a), "b": topic_name(j, c.labels_b),
                 "overlap": overlap} for i, j, overlap in group_rows(group)]
        out.append({"change": str(group.change), "name": EXPLAIN[group.change], "rows": rows})
    return sorted(out, key=lambda g: g["change"] == Change.SAME)


def missing_section(kind: str, source: str) -> dict:
    """The context when the earlier run is not there (the first run with since_last_run)."""
    return {"kind": kind, "source": source, "missing": True}


def comparison_sections(current: dict, earlier: list[tuple[str, str, Run | None]]) -> list[dict]:
    """The report's comparisons of this run (its run.json data) with each earlier run
    (runs.earlier_runs)."""
    run = run_from_snapshot(current, "この実行")
    return [comparison_section(before, run, kind) if before is not None
            else missing_section(kind, name) for kind, name, before in earlier]
