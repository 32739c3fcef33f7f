"""A comparison as terminal text (at most 120 columns, Japanese counted as two) or as a
Markdown section."""

from __future__ import annotations

import unicodedata
from typing import Any

from pipeline.compare.core import Comparison
from pipeline.compare.matching import Change, TopicGroup

WIDTH = 120
LABEL = 44  # columns of a topic's name: "T12 語・語・語"
NAME = 22  # columns of a speaker's name
N_SPEAKERS = 30  # speakers listed in the terminal (the Markdown lists every one)
EXPLAIN = {Change.SAME: "同じ", Change.SPLIT: "分割", Change.MERGED: "統合",
           Change.REGROUPED: "組み替え", Change.NEW: "新規", Change.GONE: "消滅"}


def width(text: str) -> int:
    """Columns a terminal gives the text (East Asian wide and full-width characters: 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, columns: int) -> str:
    """The text cut to at most `columns` (an ellipsis marks a cut), padded with spaces."""
    if width(text) > columns:
        out = ""
        for c in text:
            if width(out + c) > columns - 1:
                break
            out += c
        text = out + "…"
    return text + " " * (columns - width(text))


def topic_name(topic: int | None, labels: dict[int, list[str]]) -> str:
    return "" if topic is None else f"T{topic} " + "・".join(labels.get(topic, []))


def value(v: Any) -> str:
    """A setting or a reading as written in the table (None as '–')."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return ""
    d = b - a
    if d == 0:
        return "0"
    return f"{d:+,.0f}" if float(d).is_integer() and abs(d) >= 1 else f"{d:+.4g}"


def group_rows(group: TopicGroup) -> list[tuple[int | None, int | None, float | None]]:
    """A group's lines: (A topic shown first here, B topic shown first here, overlap)."""
    if not group.links:
        return [(group.a[0] if group.a else None, group.b[0] if group.b else None, None)]
    rows: list[tuple[int | None, int | None, float | None]] = []
    seen_a, seen_b = set(), set()
    for i, j, overlap in group.links:
        rows.append((None if i in seen_a else i, None if j in seen_b else j, overlap))
        seen_a.add(i)
        seen_b.add(j)
    return rows


def _summary(c: Comparison) -> str:
    counts = {change: sum(g.change is change for g in c.groups) for change in Change}
    return "、".join(f"{EXPLAIN[k]} {n}" for k, n in counts.items() if n)


def render_text(c: Comparison) -> str:
    """The comparison for a terminal, every line at most WIDTH columns."""
    lines = [f"A: {c.a}", f"B: {c.b}", "", "設定の違い（A → B）"]
    lines += [f"  {fit(k, 48)} {fit(value(a), 32)} → {value(b)}" for k, a, b in c.settings] \
        or ["  （なし）"]
    lines += ["", f"K（トピック数）: {value(c.k[0])} → {value(c.k[1])}", "",
              f"  {fit('品質の指標（outputs/metrics）', 48)} {'A':>14} {'B':>14} {'B − A':>14}"]
    lines += [f"  {fit(k, 48)} {value(a):>14} {value(b):>14} {delta(a, b):>14}"
              for k, a, b in c.readings]
    lines += ["", "トピックの対応（上位語の重みの重なり 0–1 による）: " + _summary(c)]
    for group in c.groups:
        for n, (i, j, overlap) in enumerate(group_rows(group)):
            kind = fit(EXPLAIN[group.change] if n == 0 else "", 10)
            share = "" if overlap is None else f"{overlap:.2f}"
            lines.append(f"  {kind}{fit(topic_name(i, c.labels_a), LABEL)}"
                         f"{'→ ' if j is not None and n == 0 else '  '}"
                         f"{fit(topic_name(j, c.labels_b), LABEL)}{share:>6}")
    lines += ["", f"主なトピックが移った話者: {len(c.moved)} / {c.n_speakers} 人"
              "（語の多い順。分割・統合で対応するトピックへの移動は数えない）"]
    for m in c.moved[:N_SPEAKERS]:
        lines.append(f"  {fit(m.speaker, NAME)}{m.n_tokens:>7}  "
                     f"{fit(topic_name(m.a_topic, c.labels_a), 36)}{m.a_share:>4.0%} → "
                     f"{fit(topic_name(m.b_topic, c.labels_b), 36)}{m.b_share:>4.0%}")
    if len(c.moved) > N_SPEAKERS:
        lines.append(f"  … ほか {len(c.moved) - N_SPEAKERS} 人（--markdown のファイルに全員）")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(text: str) -> str:
    """Markdown table cell: pipes and backslashes escaped, no line breaks."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def render_markdown(c: Comparison) -> str:
    """The same content as a Markdown section (every moved speaker listed)."""
    out = [f"## 実行の比較: A = {_cell(c.a)}, B = {_cell(c.b)}", "", "### 設定の違い", "",
           "| 設定 | A | B |", "|---|---|---|"]
    out += [f"| {_cell(k)} | {_cell(value(a))} | {_cell(value(b))} |" for k, a, b in c.settings]
    out += ["", f"K（トピック数）: {value(c.k[0])} → {value(c.k[1])}", "", "### 品質の指標", "",
            "| 指標 | A | B | B − A |", "|---|---:|---:|---:|"]
    out += [f"| {_cell(k)} | {value(a)} | {value(b)} | {delta(a, b)} |"
            for k, a, b in c.readings]
    out += ["", "### トピックの対応", "", _summary(c), "",
            "| 変化 | A のトピック | B のトピック | 重なり |", "|---|---|---|---:|"]
    for group in c.groups:
        for n, (i, j, overlap) in enumerate(group_rows(group)):
            out.append(f"| {EXPLAIN[group.change] if n == 0 else ''} | "
                       f"{_cell(topic_name(i, c.labels_a))} | {_cell(topic_name(j, c.labels_b))}"
                       f" | {'' if overlap is None else f'{overlap:.2f}'} |")
    out += ["", f"### 主なトピックが移った話者（{len(c.moved)} / {c.n_speakers} 人）", "",
            "| 話者 | 語数 | A | B |", "|---|---:|---|---|"]
    out += [f"| {_cell(m.speaker)} | {m.n_tokens} | "
            f"{_cell(topic_name(m.a_topic, c.labels_a))} ({m.a_share:.0%}) | "
            f"{_cell(topic_name(m.b_topic, c.labels_b))} ({m.b_share:.0%}) |" for m in c.moved]
    return "\n".join(out) + "\n"
