"""The report's content (a plain dict) and its two renderings: HTML and Markdown.

Everything from a transcript is text: the HTML template autoescapes, so a turn that says
`<script>` shows those characters and never runs.
"""

from __future__ import annotations

import base64
import re
from importlib import metadata

import jinja2
import numpy as np
import pandas as pd

from pipeline.common.io import topic_column
from pipeline.report.fonts import font_face_css

MIN_QUOTE_TOKENS = 5
PACKAGES = ("fugashi", "unidic-lite", "scikit-learn", "gensim", "matplotlib", "dvc", "numpy")


def versions() -> dict[str, str]:
    """Installed versions of the libraries that shape the results."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def excerpt(text: str, limit: int = 180) -> str:
    """A passage cut to a readable length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def representative_quotes(doc_topics: pd.DataFrame, docs: dict[str, dict], topic: int,
                          n: int) -> list[dict]:
    """The documents most about a topic, with who said them and where.

    A document of one or two terms is 100% about something by construction; passages with
    at least `MIN_QUOTE_TOKENS` terms are preferred so a quote shows the topic at work.
    """
    column = topic_column(topic)
    best = _best(doc_topics, topic, n)
    return [{
        "speaker": row.speaker, "turn": int(row.turn), "meeting": row.meeting,
        "share": float(getattr(row, column)), "text": excerpt(docs[row.doc_id]["text"]),
        "start": docs[row.doc_id]["start"], "end": docs[row.doc_id]["end"],
    } for row in best.itertuples()]


def _best(doc_topics: pd.DataFrame, topic: int, n: int) -> pd.DataFrame:
    column = topic_column(topic)
    pool = doc_topics[doc_topics["n_tokens"] >= MIN_QUOTE_TOKENS]
    pool = pool if len(pool) >= n else doc_topics
    return pool.nlargest(n, column, keep="all").sort_values(
        [column, "doc_id"], ascending=[False, True]).head(n)


def quoted_doc_ids(doc_topics: pd.DataFrame, topics: list[dict], n: int) -> set[str]:
    """The documents the report quotes: the only texts it needs to read."""
    return {d for t in topics for d in _best(doc_topics, t["topic"], n)["doc_id"]}


MAX_SPEAKERS = 200  # rows in the report's speaker table; speaker_topics.csv has them all
MAX_FILES = 100  # rows in the report's file list; outputs/metrics/ingest.json has them all


# Why turns were not modelled (ingest.json keys), as the report says it.
NOT_MODELLED = {"procedural_role": "議事進行役（議長・委員長など）の発言",
                "excluded_speaker": "除外した話者の発言", "empty": "空の発言"}


def speaker_sections(shares: pd.DataFrame, roster: list[dict], n_top: int = 3,
                     procedural: frozenset[int] = frozenset()) -> list[dict]:
    """Each speaker's topic mix, largest first (procedural topics last: what a speaker talks
    about is not the procedure they take part in); thin speakers flagged, listed last."""
    roles = {}
    for entry in roster:
        roles.setdefault(entry["speaker"], entry["role"])
    out = []
    for speaker, part in shares.groupby("speaker", sort=True):
        part = part.assign(procedure=part["topic"].isin(procedural)).sort_values(
            ["procedure", "share", "topic"], ascending=[True, False, True])
        first = part.iloc[0]
        out.append({
            "speaker": speaker, "role": roles.get(speaker, ""), "n_docs": int(first.n_docs),
            "n_tokens": int(first.n_tokens), "low_data": bool(first.low_data),
            "mix": [{"topic": int(r.topic), "share": float(r.share), "ci_low": float(r.ci_low),
                     "ci_high": float(r.ci_high)} for r in part.itertuples()],
            "top": [int(t) for t in part["topic"].head(n_top)],
            "distinctive": [],
        })
    return sorted(out, key=lambda s: (s["low_data"], -s["n_tokens"], s["speaker"]))


def build_context(*, title: str, ingest: dict, tokens: dict, model: dict, topics: list[dict],
                  doc_topics: pd.DataFrame, docs: dict[str, dict], shares: pd.DataFrame,
                  roster: list[dict], charts: dict[str, bytes], config_text: str,
                  n_quotes: int, command: str, seed: int = 0, relevance: dict | None = None,
                  speaker_terms: pd.DataFrame | None = None,
                  speaker_themes: pd.DataFrame | None = None,
                  speakers_metrics: dict | None = None, groups: dict | None = None) -> dict:
    """Everything the report shows, as plain data."""
    topic_sections = [{
        **t, "quotes": representative_quotes(doc_topics, docs, t["topic"], n_quotes),
    } for t in topics]
    speakers = speaker_sections(shares, roster, procedural=frozenset(
        t["topic"] for t in topics if t.get("procedural")))
    if speaker_terms is not None:
        words = speaker_terms.sort_values(["speaker", "rank"]).groupby("speaker")["term"]
        distinct = {s: list(w) for s, w in words}
        for s in speakers:
            s["distinctive"] = distinct.get(s["speaker"], [])
    themes = []
    if speaker_themes is not None and not speaker_themes.empty:
        for theme, part in speaker_themes.groupby("theme", sort=False):
            # Most documents first: one document out of one is not "the most" about a theme.
            top = part[part["n_docs_mentioning"] > 0].sort_values(
                ["n_docs_mentioning", "share_docs", "speaker"], ascending=[False, False, True])
            themes.append({"theme": theme, "n_docs": int(part["n_docs_mentioning"].sum()),
                           "speakers": [{"speaker": r.speaker, "share": float(r.share_docs),
                                         "n": int(r.n_docs_mentioning), "of": int(r.n_docs)}
                                        for r in top.itertuples()]})
    return {
        "title": title,
        "overview": {
            "n_files": ingest["n_files"], "n_meetings": ingest["n_meetings"],
            "n_turns": ingest["n_turns"], "n_speakers": ingest["n_speakers"],
            "n_documents": model["n_documents"], "n_tokens": tokens["n_tokens"],
            "n_terms": model["n_terms"], "engine": model["engine"],
            "n_topics": model["n_topics"], "n_topics_reason": model["n_topics_reason"],
            "npmi": model["coherence_npmi"], "stability": model["stability"],
            "diversity": model["diversity"],
            "not_modelled": {NOT_MODELLED.get(k, k): n
                             for k, n in ingest["turns_not_modelled"].items()},
            "boilerplate": tokens.get("boilerplate") or {},
            "n_meetings_not_modelled": ingest.get("n_meetings_not_modelled", 0),
            "meetings_not_modelled": ingest.get("meetings_not_modelled", []),
            "procedural_documents": tokens.get("procedural_documents", 0),
            "rows_skipped": ingest.get("rows_skipped", {}),
            "warnings": model.get("warnings", []),
            "documents_without_terms": tokens["documents_without_terms"],
        },
        "files": ingest["files"][:MAX_FILES],
        "n_files_hidden": max(0, len(ingest["files"]) - MAX_FILES),
        "topics": topic_sections,
        "speakers": speakers[:MAX_SPEAKERS],
        "n_speakers_hidden": max(0, len(speakers) - MAX_SPEAKERS),
        "low_data": [s["speaker"] for s in speakers if s["low_data"]],
        "silent": (speakers_metrics or {}).get("speakers_without_terms", []),
        "themes": themes,
        "groups": groups or {"rows": [], "n_groups": 0, "labels": {}},
        "relevance": relevance or {"lambda": 0.6, "topics": []},
        "charts": {name: base64.b64encode(png).decode("ascii") for name, png in charts.items()},
        "method": {
            "config": config_text, "versions": versions(), "command": command, "seed": seed,
            "dictionary": f"{tokens.get('dictionary')} {tokens.get('dictionary_version')}",
        },
    }


# Characters that start Markdown markup anywhere in a line (CommonMark and GitHub's
# extensions: emphasis, code, links and images, raw HTML and entities, strikethrough, table
# cells, math, mentions, heading marks); a backslash makes each one a plain character.
_MARKUP = re.compile(r"([\\`*_\[\]<>&!~|$#@])")
# At the start of a line: a list item, a quote, a setext or thematic rule, a numbered item.
_LINE_START = re.compile(r"^([-+=>]|\d+(?=[.)]))")
# Bare URLs that GitHub would turn into links: break the scheme's colon and the www dot.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x85]+\s*")


def escape_markdown(value: object) -> str:
    """Transcript text (a speech, a speaker's name) as Markdown that renders as exactly that
    text, on one line: no image, link, heading, emphasis or HTML can come from a turn."""
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = _MARKUP.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: "\\" + m.group(0), text)
    start = _LINE_START.match(text)
    if start:  # "1. x" → "1\. x"; "- x" → "\- x"
        cut = start.end() if start.group(1)[0].isdigit() else 0
        text = text[:cut] + "\\" + text[cut:]
    return text


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=autoescape, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda x: "–" if x is None or np.isnan(x) else f"{x:.0%}"
    env.filters["num"] = lambda x: "–" if x is None else f"{x:.3f}"
    env.filters["md"] = escape_markdown
    return env


def render_html(context: dict) -> str:
    """The self-contained HTML report (images and a Japanese font subset embedded)."""
    template = _env(autoescape=True).get_template("report.html.j2")
    draft = template.render(**context, font_css="")
    return template.render(**context, font_css=font_face_css(draft))


def render_markdown(context: dict) -> str:
    """The same content as Markdown, for diffs and code hosts."""
    return _env(autoescape=False).get_template("report.md.j2").render(**context)
