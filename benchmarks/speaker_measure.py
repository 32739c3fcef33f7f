"""Who talks about what, measured: does each speaker's dominant topic follow the committee
where they spoke? The definition of `score-speakers` (shared/tools), for this project's
benchmarks: a speaker is scored with at least MIN_CHARS characters of modelled turns,
at least PURITY of them in meetings of one label; NMI (arithmetic) of their dominant topic
against that label, and how many of the scored speakers the most-leading topic leads."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

MIN_CHARS = 1500
PURITY = 0.8


def speaker_truth(turns_csv: Path, committee: Mapping[str, str],
                  exclude: Iterable[str] = ()) -> dict[str, str]:
    """Each scorable speaker's committee, from a run's turns.csv (modelled turns only)."""
    turns = pd.read_csv(turns_csv, dtype=str, keep_default_na=False)
    turns = turns[(turns["speaker"] != "") & turns["modelled"].isin(["True", "true", "1"])]
    chars: dict[str, Counter] = defaultdict(Counter)
    for speaker, meeting, n in zip(turns["speaker"], turns["meeting"], turns["n_chars"],
                                   strict=True):
        meeting = meeting if meeting in committee else meeting.split("/")[-1]
        if meeting in committee:
            chars[speaker][committee[meeting]] += int(n)
    left_out = set(exclude)
    truth = {}
    for speaker, by_label in chars.items():
        label, n = by_label.most_common(1)[0]
        total = sum(by_label.values())
        if total >= MIN_CHARS and n / total >= PURITY and label not in left_out:
            truth[speaker] = label
    return truth


def speaker_scores(truth: Mapping[str, str], dominant: Mapping[str, object]) -> dict:
    """NMI of dominant topic vs committee over the speakers both know; the share of them
    that the most-leading topic leads (a catch-all leads many)."""
    scored = sorted(s for s in truth if s in dominant)
    if not scored:
        return {"speaker_nmi": float("nan"), "n_speakers": 0, "most_led": float("nan")}
    topics = [str(dominant[s]) for s in scored]
    return {"speaker_nmi": float(normalized_mutual_info_score([truth[s] for s in scored],
                                                             topics)),
            "n_speakers": len(scored),
            "most_led": Counter(topics).most_common(1)[0][1] / len(scored)}


def dominant_from_table(speaker_topics_csv: Path) -> dict[str, int]:
    """Each speaker's topic of largest share in speaker_topics.csv (ties: the first row)."""
    table = pd.read_csv(speaker_topics_csv, dtype={"speaker": str})
    best = table.sort_values(["speaker", "share"], ascending=[True, False], kind="stable")
    return dict(zip(best.drop_duplicates("speaker")["speaker"],
                    best.drop_duplicates("speaker")["topic"], strict=True))
