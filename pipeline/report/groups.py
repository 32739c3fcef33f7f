"""The report's groups section: groups side by side with the topics that set each apart,
and how speaker labels were read (unresolved labels, merged and split surnames, tag-like
lines)."""

from __future__ import annotations

import pandas as pd

from pipeline.speakers.attribute_names import missing_label
from pipeline.speakers.groups import MIN_DIFF, MISSING, REST

MAX_GROUPS = 20  # groups in the report; group_topics.csv has every one
N_TOP = 3


def group_section(groups: pd.DataFrame, differences: pd.DataFrame, ingest: dict,
                  topics: list[dict], speakers: dict | None = None) -> dict:
    """The `groups` context of the report (plain data); `speakers`: speakers.json (the
    weight of the corpus in pooled shares, the smallest group judged). Speakers without a
    group are no group: counted apart, in no comparison."""
    labels = {t["topic"]: t.get("label") or "・".join(t.get("terms", [])[:3]) for t in topics}
    speakers = speakers or {}
    missing = groups[groups["group"] == MISSING] if not groups.empty else groups
    groups = groups[groups["group"] != MISSING] if not groups.empty else groups
    return {
        "rows": _group_rows(groups, differences, labels),
        "n_groups": int(groups["group"].nunique()) if not groups.empty else 0,
        "missing": _missing_row(missing, labels),
        "min_group_speakers": speakers.get("min_group_speakers"),
        "aliases": [a for a in ingest.get("group_aliases", []) if a.get("n_turns")],
        "prior_documents": speakers.get("prior_documents"),
        "labels": _label_facts(ingest),
    }


def _top(part: pd.DataFrame, labels: dict) -> list[dict]:
    return [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
             "share": float(r.share), "ci_low": float(r.ci_low),
             "ci_high": float(r.ci_high)} for r in part.head(N_TOP).itertuples()]


def _missing_row(missing: pd.DataFrame, labels: dict) -> dict | None:
    """The speakers without a group: how many, and what they talk about."""
    if missing.empty:
        return None
    part = missing.sort_values(["share", "topic"], ascending=[False, True])
    first = part.iloc[0]
    return {"label": missing_label("group"), "n_speakers": int(first.n_speakers),
            "n_docs": int(first.n_docs), "n_tokens": int(first.n_tokens),
            "top": _top(part, labels)}


def _group_rows(groups: pd.DataFrame, differences: pd.DataFrame, labels: dict) -> list[dict]:
    """The MAX_GROUPS groups with the most tokens, each with its main and distinct topics."""
    rows: list[dict] = []
    if not groups.empty:
        sizes = groups.drop_duplicates("group").sort_values(["n_tokens", "group"],
                                                            ascending=[False, True])
        diffs = differences[(differences["attribute"] == "group")
                            & (differences["other"] == REST)] if not differences.empty \
            else differences
        for g in sizes["group"][:MAX_GROUPS]:
            part = groups[groups["group"] == g].sort_values(["share", "topic"],
                                                            ascending=[False, True])
            first = part.iloc[0]
            apart = diffs[(diffs["group"] == g) & diffs["excludes_zero"]
                          & (diffs["diff"] >= MIN_DIFF)] \
                if not diffs.empty else diffs
            apart = apart.sort_values(["diff", "topic"], ascending=[False, True]).head(N_TOP)
            rows.append({
                "group": g, "n_speakers": int(first.n_speakers), "n_docs": int(first.n_docs),
                "n_tokens": int(first.n_tokens), "low_data": bool(first.low_data),
                "small": bool(first.get("small_group", False)), "top": _top(part, labels),
                "distinct": [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
                              "diff": float(r.diff), "ci_low": float(r.ci_low),
                              "ci_high": float(r.ci_high)} for r in apart.itertuples()],
            })
    return rows


def _label_facts(ingest: dict) -> dict:
    """How labels were read into speakers (ingest.json)."""
    return {
        "n_labels": ingest.get("n_labels", 0), "n_speakers": ingest.get("n_speakers", 0),
        "unresolved": ingest.get("unresolved_labels", []),
        "n_unresolved": ingest.get("n_unresolved_labels", 0),
        "merged": ingest.get("surnames_merged", {}),
        "n_merged": ingest.get("n_surnames_merged", 0),
        "n_turns_merged": ingest.get("n_turns_merged", 0),
        "ambiguous": ingest.get("ambiguous_surnames", {}),
        "split": ingest.get("surnames_split", {}),
        "n_split": ingest.get("n_surnames_split", 0),
        "n_turns_split": ingest.get("n_turns_split", 0),
        "tag_like": ingest.get("tag_like_lines", []),
        "n_tag_like": ingest.get("n_tag_like_lines", 0),
    }
