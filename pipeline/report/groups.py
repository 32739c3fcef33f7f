"""The report's groups section: groups side by side with the topics that set each apart,
and how speaker labels were read (unresolved labels, merged and split surnames, tag-like
lines)."""

from __future__ import annotations

import pandas as pd

from pipeline.speakers.groups import MIN_DIFF, REST

MAX_GROUPS = 20  # groups in the report; group_topics.csv has every one
N_TOP = 3


def group_section(groups: pd.DataFrame, differences: pd.DataFrame, ingest: dict,
                  topics: list[dict], prior_documents: float | None = None) -> dict:
    """The `groups` context of the report (plain data); `prior_documents`: the weight of
    the corpus in the pooled shares of speakers with little text (speakers.json)."""
    labels = {t["topic"]: t.get("label") or "・".join(t.get("terms", [])[:3]) for t in topics}
    rows = []
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
                "top": [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
                         "share": float(r.share), "ci_low": float(r.ci_low),
                         "ci_high": float(r.ci_high)} for r in part.head(N_TOP).itertuples()],
                "distinct": [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
                              "diff": float(r.diff), "ci_low": float(r.ci_low),
                              "ci_high": float(r.ci_high)} for r in apart.itertuples()],
            })
    return {
        "rows": rows,
        "n_groups": int(groups["group"].nunique()) if not groups.empty else 0,
        "prior_documents": prior_documents,
        "labels": {
            "n_labels": ingest.get("n_labels", 0), "n_speakers": ingest.get("n_speakers", 0),
            "unresolved": ingest.get("unresolved_labels", []),
            "n_unresolved": ingest.get("n_unresolved_labels", 0),
            "merged": ingest.get("surnames_merged", {}),
            "n_merged": ingest.get("n_surnames_merged", 0),
            "ambiguous": ingest.get("ambiguous_surnames", {}),
            "split": ingest.get("surnames_split", {}),
            "n_split": ingest.get("n_surnames_split", 0),
            "tag_like": ingest.get("tag_like_lines", []),
            "n_tag_like": ingest.get("n_tag_like_lines", 0),
        },
    }
