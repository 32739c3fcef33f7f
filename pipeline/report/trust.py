"""What a reader needs to trust the report: each quality number read out, and how it was made."""

from __future__ import annotations

import math
from importlib import metadata

PACKAGES = ("fugashi", "unidic-lite", "scikit-learn", "gensim", "matplotlib", "dvc", "numpy",
            "scipy", "pandas", "jinja2", "fonttools")

# (key in model.json, name, good from, usable from, higher is better, what it measures).
# Rules of thumb, not laws: NPMI and C_V as in the topic-coherence literature (Röder et al.
# 2015; NPMI above 0 means top terms co-occur more than by chance), stability and diversity
# as fractions of top-10 terms, the largest topic against the K rule's one third.
QUALITY = (
    ("coherence_npmi", "一貫性 NPMI", 0.10, 0.0, True,
     "上位語が同じ文書に一緒に現れる度合い（−1〜1）"),
    ("coherence_c_v", "一貫性 C_V", 0.55, 0.40, True, "上位語のまとまり（0〜1、選んだ K のみ）"),
    ("stability", "安定性", 0.70, 0.50, True,
     "文書の 1 割を抜いて当て直したときの上位 10 語の一致度"),
    ("diversity", "多様性", 0.80, 0.60, True, "トピック間で上位語が重ならない度合い"),
    ("largest_topic_share", "最大トピックの割合", 0.25, 1 / 3, False,
     "最も大きいトピックが占める語の割合（大きすぎると寄せ集めのトピック）"),
    ("smallest_topic_share", "最小トピックの割合", 0.01, 0.005, True,
     "最も小さいトピックが占める語の割合（1% 未満は主題と読めない小さなトピック）"),
)
# The smallest topic is read against the fit's own floor (model.json min_topic_share: 1%, or
# half an even share past 50 topics), so a 60-topic model's 0.9% topic is not called weak.
SMALLEST = "smallest_topic_share"
GRADES = {"good": "良好", "usable": "使える", "weak": "弱い"}


def grade(value: float, good: float, usable: float, higher_is_better: bool) -> str:
    """good / usable / weak for a value against two thresholds."""
    if not higher_is_better:
        value, good, usable = -value, -good, -usable
    return "good" if value >= good else "usable" if value >= usable else "weak"


def quality_readings(model: dict) -> list[dict]:
    """Each quality number in model.json with its grade and the thresholds, as a sentence."""
    out = []
    for key, name, good, usable, higher, meaning in QUALITY:
        if key == SMALLEST and isinstance(model.get("min_topic_share"), float):
            good = model["min_topic_share"]
            usable = good / 2
            meaning = (f"最も小さいトピックが占める語の割合（{good:.2%} 未満は主題と読めない"
                       "小さなトピック）") if good < 0.01 else meaning
        value = model.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        level = grade(float(value), good, usable, higher)
        sign = "以上" if higher else "以下"
        beyond = "それ未満は弱い" if higher else "それを超えると弱い"
        places = 3 if key.endswith("_share") else 2  # a floor of 0.005 is not "0.01"
        out.append({
            "key": key, "name": name, "value": float(value), "grade": level,
            "grade_ja": GRADES[level], "meaning": meaning,
            "thresholds": f"良好 {good:.{places}f} {sign}、使える {usable:.{places}f} {sign}、"
                          f"{beyond}",
        })
    return out


def versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the results."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
