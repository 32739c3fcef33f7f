"""The report's sections by meeting attribute (what each committee discussed) and over time
(topic_time.csv, report.time_bin), as plain data for the templates."""

from __future__ import annotations

import pandas as pd

from pipeline.report.timeline import UNIT_NAMES

MAX_VALUES = 30  # values of an attribute in the report; the table has every one
MAX_BINS = 60  # bins listed in the report's table over time; topic_time.csv has them all
N_TOP = 3


def meeting_attribute_section(table: pd.DataFrame | None, topics: list[dict],
                              charts: dict[str, str]) -> list[dict]:
    """Per meeting attribute (as the user named it), its chart (base64, "" if none) and
    its values with most tokens first: meetings, documents, tokens, main topics with
    intervals and the topics that set the value apart; [] with no meeting attribute."""
    if table is None or table.empty:
        return []
    labels = _labels(topics)
    out = []
    for name, part in table.groupby(table["attribute"].astype(str), sort=False):
        sizes = part.drop_duplicates("value").sort_values(["n_tokens", "value"],
                                                          ascending=[False, True])
        rows = [_value_row(part[part["value"] == v], labels)
                for v in sizes["value"][:MAX_VALUES]]
        out.append({"name": name, "chart": charts.get(name, ""), "rows": rows,
                    "n_values": len(sizes)})
    return out


def _value_row(part: pd.DataFrame, labels: dict[int, str]) -> dict:
    first = part.iloc[0]
    top = part.sort_values(["share", "topic"], ascending=[False, True]).head(N_TOP)
    apart = part[part["distinguishing"].astype(bool)].sort_values(
        ["share", "topic"], ascending=[False, True]).head(N_TOP)
    return {
        "value": str(first.value), "n_meetings": int(first.n_meetings),
        "n_docs": int(first.n_docs), "n_tokens": int(first.n_tokens),
        "low_data": bool(first.low_data),
        "top": [_topic(r, labels) for r in top.itertuples()],
        "distinct": [_topic(r, labels) for r in apart.itertuples()],
    }


def _topic(row, labels: dict[int, str]) -> dict:
    return {"topic": int(row.topic), "label": labels.get(int(row.topic), ""),
            "share": float(row.share), "ci_low": float(row.ci_low),
            "ci_high": float(row.ci_high)}


def _labels(topics: list[dict]) -> dict[int, str]:
    return {t["topic"]: t.get("label") or "・".join(t.get("terms", [])[:3]) for t in topics}


def time_section(topic_time: pd.DataFrame | None, topics: list[dict], metrics: dict | None,
                 flow: bool) -> dict:
    """How the timeline pools meetings: the bin used (report.time_bin, auto resolved), the
    bins, the meetings left out for want of a date and, for calendar bins, each bin's
    main topics; `flow`: the chart shows each meeting turn by turn instead."""
    metrics = metrics or {}
    table = topic_time if topic_time is not None else pd.DataFrame()
    unit = str(metrics.get("time_bin") or (table["time_bin"].iloc[0] if len(table) else ""))
    rows = []
    if unit in UNIT_NAMES and len(table):
        labels = _labels(topics)
        for (_, label), part in table.groupby(["bin_start", "bin_label"], sort=True):
            top = part.sort_values(["share", "topic"], ascending=[False, True]).head(N_TOP)
            rows.append({"label": str(label), "n_meetings": int(part["n_meetings"].iloc[0]),
                         "n_tokens": int(part["n_tokens"].iloc[0]),
                         "top": [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
                                  "share": float(r.share)} for r in top.itertuples()]})
    return {"flow": flow, "unit": unit, "unit_name": UNIT_NAMES.get(unit, "会議"),
            "n_bins": int(metrics.get("n_time_bins", len(rows))),
            "n_undated": int(metrics.get("n_meetings_undated_in_time", 0)),
            "rows": rows[:MAX_BINS], "n_rows_hidden": max(0, len(rows) - MAX_BINS)}
