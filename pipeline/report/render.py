"""The report's content (a plain dict) and its two renderings: HTML and Markdown.

Everything from a transcript is text: the HTML template autoescapes, so a turn that says
`<script>` shows those characters and never runs.
"""

from __future__ import annotations

import base64
import re

import jinja2
import numpy as np
import pandas as pd

from pipeline.report.fonts import TYPED, font_face_css, missing_glyphs, page_characters
from pipeline.report.groups import group_section
from pipeline.report.inputs import CHART_FILES, ReportInputs, doc_topics_summary
from pipeline.report.meeting_sections import meeting_attribute_section, time_section
from pipeline.report.quotes import MIN_QUOTE_TOKENS, representative_quotes
from pipeline.report.scored import scored_section
from pipeline.report.search_sample import SearchSample
from pipeline.report.timeline import shows_flow
from pipeline.report.trust import quality_readings, versions
from pipeline.report.workbench import SearchSources, corpus_data, pack, topic_map_of

MAX_SPEAKERS = 200  # rows in the report's speaker table; speaker_topics.csv has them all
# Meetings in the search's meeting filter: a sample of 100,000 short turns spans tens of
# thousands of meetings, each an <option> (MBs of page, a menu no one scrolls).
MAX_MEETING_OPTIONS = 2_000
MAX_FILES = 100  # rows in the report's file list; outputs/metrics/ingest.json has them all


# Why turns were not modelled (ingest.json keys), as the report says it.
NOT_MODELLED = {"procedural_role": "議事進行役（議長・委員長など）の発言",
                "excluded_speaker": "除外した話者の発言", "empty": "空の発言"}


def speaker_sections(shares: pd.DataFrame, roster: list[dict], n_top: int = 3,
                     procedural: frozenset[int] = frozenset()) -> list[dict]:
    """Each speaker's topic mix, largest first (procedural topics last: what a speaker talks
    about is not the procedure they take part in); thin speakers flagged, listed last."""
    roles: dict[str, str] = {}
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


def build_context(inputs: ReportInputs) -> dict:
    """Everything the report shows, as plain data."""
    cfg, topics = inputs.settings, inputs.topics
    summary = doc_topics_summary(inputs)
    speakers = speakers_with_terms(inputs)
    themes = theme_sections(inputs.speaker_themes)
    corpus = corpus_data(SearchSources(inputs.documents, inputs.turns, inputs.meeting_dates,
                                       inputs.meeting_titles), inputs.doc_topics, len(topics))
    charts, chart_notes = _charts(inputs, speakers, themes)
    flagged = [s["speaker"] for s in speakers if s["low_data"]]
    return {
        "title": cfg.title,
        "overview": overview(inputs),
        "files": [{**f, "meeting": meeting_title(inputs, f["meeting"])}
                  for f in inputs.ingest["files"][:MAX_FILES]],
        "n_files_hidden": max(0, len(inputs.ingest["files"]) - MAX_FILES),
        "topics": topic_sections(inputs),
        "parents": parent_sections(topics),
        "quote_min_share": cfg.quote_min_share,
        "speakers": speakers[:MAX_SPEAKERS],
        "n_speakers_hidden": max(0, len(speakers) - MAX_SPEAKERS),
        "low_data": flagged,
        "silent": (inputs.speakers_metrics or {}).get("speakers_without_terms", []),
        "themes": themes,
        "k_sweep": _k_sweep(inputs.model),
        "relevance": inputs.relevance or {"lambda": 0.6, "topics": []},
        "topic_map": {**topic_map_of(summary, topics),
                      "flagged": flagged, "quote_min_share": cfg.quote_min_share,
                      "quote_min_tokens": MIN_QUOTE_TOKENS},
        "corpus": corpus,
        "search_options": search_options(corpus),
        "search": {**search_summary(corpus, cfg.search_max_chars),
                   **sample_summary(inputs.search, cfg.search_max_turns)},
        "charts": charts, "chart_notes": chart_notes,
        "groups": group_section(inputs.group_topics, inputs.group_differences, inputs.ingest,
                                topics, inputs.speakers_metrics)
        if inputs.group_topics is not None else {"rows": [], "n_groups": 0, "labels": {},
                                                 "missing": None, "aliases": [],
                                                 "min_group_speakers": None},
        "method": method_section(inputs),
        "meeting_attributes": meeting_attribute_section(
            inputs.meeting_attribute_topics, topics,
            {n: base64.b64encode(png).decode("ascii")
             for n, png in inputs.meeting_attribute_charts.items()}),
        "time": {**time_section(inputs.topic_time, topics, inputs.speakers_metrics, shows_flow(
            cfg.time_bin, len(summary.meetings))), "setting": cfg.time_bin},
        "scored": scored_section(inputs.scored, topics),
        "comparisons": inputs.comparisons,
    }


def search_summary(corpus: dict, max_chars: int) -> dict:
    """What the search covers, for its note: lines, those not modelled, those cut by
    report.search_max_chars, meetings, and whether speakers have a group (会派)."""
    rows = corpus["docs"]
    return {"n_documents": len(rows), "n_chars": sum(len(r[5]) for r in rows),
            "n_not_modelled": sum(1 for r in rows if r[7]),
            "n_cut": sum(1 for r in rows if not r[5]), "max_chars": max_chars,
            "n_meetings": len(corpus["meetings"]),
            "n_meetings_not_modelled": corpus["meeting_modelled"].count(False),
            "has_groups": any(corpus["groups"])}


def sample_summary(search: SearchSample | None, max_turns: int) -> dict:
    """Whether the search reads a sample of the turns (report.search_max_turns) and how
    many of how many, for its note."""
    return {"sampled": bool(search and search.sampled), "max_turns": max_turns,
            "n_turns": search.n_turns if search else 0,
            "n_turns_searched": search.n_searched if search else 0}


def search_options(corpus: dict) -> dict:
    """The search's filters' choices, each with its index in the corpus: speakers and groups
    by name, meetings by date (undated last) and title, each with whether any of it was
    modelled. Past MAX_MEETING_OPTIONS meetings, those with most lines in the search
    (`n_meetings_hidden` says how many are not listed; they are still searched)."""
    dates: dict[int, str] = {}
    lines: dict[int, int] = {}
    for row in corpus["docs"]:
        dates.setdefault(row[0], corpus["dates"][row[3]])
        lines[row[0]] = lines.get(row[0], 0) + 1
    listed = list(range(len(corpus["titles"])))
    if len(listed) > MAX_MEETING_OPTIONS:
        listed = sorted(sorted(listed, key=lambda i: (-lines.get(i, 0), i))[:MAX_MEETING_OPTIONS])
    meetings = [{"index": i, "title": corpus["titles"][i], "date": dates.get(i, ""),
                 "modelled": corpus["meeting_modelled"][i]} for i in listed]
    return {
        "speakers": sorted(({"index": i, "name": s} for i, s in enumerate(corpus["speakers"])),
                           key=lambda s: (s["name"], s["index"])),
        "groups": sorted(({"index": i, "name": g} for i, g in enumerate(corpus["groups"])),
                         key=lambda g: (g["name"], g["index"])),
        "meetings": sorted(meetings, key=lambda m: (not m["date"], m["date"], m["title"],
                                                    m["index"])),
        "n_meetings_hidden": len(corpus["titles"]) - len(meetings),
        "max_meetings": MAX_MEETING_OPTIONS,
    }


def topic_sections(inputs: ReportInputs) -> list[dict]:
    """Each topic as topics.json has it, with its representative quotes."""
    cfg = inputs.settings
    docs = {d["doc_id"]: {**d, "date": d.get("date") or inputs.meeting_dates.get(d["meeting"], "")}
            for d in inputs.documents}
    return [{**t, "quotes": [{**q, "title": meeting_title(inputs, q["meeting"])}
                             for q in representative_quotes(inputs.doc_topics, docs, t["topic"],
                                                            cfg.n_quotes, cfg.quote_min_share)]}
            for t in inputs.topics]


def meeting_title(inputs: ReportInputs, meeting: str) -> str:
    """A meeting as the report names it: its title, else its id."""
    return inputs.meeting_titles.get(meeting) or meeting


def speakers_with_terms(inputs: ReportInputs) -> list[dict]:
    """speaker_sections, each with its distinctive terms (speaker_terms.csv) if there are any."""
    speakers = speaker_sections(inputs.shares, inputs.roster, procedural=frozenset(
        t["topic"] for t in inputs.topics if t.get("procedural")))
    if inputs.speaker_terms is None:
        return speakers
    words = inputs.speaker_terms.sort_values(["speaker", "rank"]).groupby("speaker")["term"]
    distinct = {s: list(w) for s, w in words}
    return [{**s, "distinctive": distinct.get(s["speaker"], [])} for s in speakers]


def overview(inputs: ReportInputs) -> dict:
    """The report's first section: the corpus, the model and what was left out."""
    ingest, tokens, model = inputs.ingest, inputs.tokens, inputs.model
    return {
        "n_files": ingest["n_files"], "n_meetings": ingest["n_meetings"],
        "n_turns": ingest["n_turns"], "n_speakers": ingest["n_speakers"],
        "n_documents": model["n_documents"], "n_tokens": tokens["n_tokens"],
        "n_terms": model["n_terms"], "engine": model["engine"],
        "n_topics": model["n_topics"], "n_topics_reason": model["n_topics_reason"],
        "npmi": model["coherence_npmi"], "stability": model["stability"],
        "diversity": model["diversity"], "quality": quality_readings(model),
        "not_modelled": {NOT_MODELLED.get(k, k): n
                         for k, n in ingest["turns_not_modelled"].items()},
        "boilerplate": tokens.get("boilerplate") or {},
        "n_meetings_not_modelled": ingest.get("n_meetings_not_modelled", 0),
        "meetings_not_modelled": [meeting_title(inputs, m)
                                  for m in ingest.get("meetings_not_modelled", [])],
        "meetings_emptied": [meeting_title(inputs, m) for m in _meetings_emptied(inputs, ingest)],
        "n_meetings_undated": ingest.get("n_meetings_undated", 0),
        "meetings_undated": [meeting_title(inputs, m) for m in ingest.get("meetings_undated", [])],
        "procedural_documents": tokens.get("procedural_documents", 0),
        "rows_skipped": ingest.get("rows_skipped", {}),
        "warnings": model.get("warnings", []),
        "documents_without_terms": tokens["documents_without_terms"],
    }


def method_section(inputs: ReportInputs) -> dict:
    """How the report was made: config, versions, command, seed, dictionary, and the user's
    themes and stopwords (not the git commit: see docs/design.md)."""
    cfg, tokens = inputs.settings, inputs.tokens
    return {
        "config": cfg.config_text, "versions": versions(), "command": cfg.command,
        "seed": cfg.seed,
        "dictionary": f"{tokens.get('dictionary')} {tokens.get('dictionary_version')}",
        "themes": inputs.themes, "stopwords": inputs.stopwords,
    }


def parent_sections(topics: list[dict]) -> list[dict]:
    """The topics under their groups (parents), by group number (largest first); [] when the
    topics are not grouped (few topics: one level is enough)."""
    parents: dict[int, dict] = {}
    for t in topics:
        if t.get("parent") is None:
            continue
        entry = parents.setdefault(t["parent"], {"parent": t["parent"], "prevalence": 0.0,
                                                 "label": t["parent_label"], "topics": []})
        entry["prevalence"] += t["prevalence"]
        entry["topics"].append({"topic": t["topic"], "label": t["label"],
                                "prevalence": t["prevalence"]})
    return [parents[p] for p in sorted(parents)]


def theme_sections(speaker_themes: pd.DataFrame | None) -> list[dict]:
    """Per theme, how many documents mention it and who mentions it most."""
    themes: list[dict] = []
    if speaker_themes is None or speaker_themes.empty:
        return themes
    for theme, part in speaker_themes.groupby("theme", sort=False):
        # Most documents first: one document out of one is not "the most" about a theme.
        top = part[part["n_docs_mentioning"] > 0].sort_values(
            ["n_docs_mentioning", "share_docs", "speaker"], ascending=[False, False, True])
        themes.append({"theme": theme, "n_docs": int(part["n_docs_mentioning"].sum()),
                       "speakers": [{"speaker": r.speaker, "share": float(r.share_docs),
                                     "n": int(r.n_docs_mentioning), "of": int(r.n_docs)}
                                    for r in top.itertuples()]})
    return themes


def _meetings_emptied(inputs: ReportInputs, ingest: dict) -> list[str]:
    """Meetings with documents after ingest but none in the model: every one of their
    documents was procedure, boilerplate or too short (ingest's own list is apart)."""
    modelled = doc_topics_summary(inputs).meetings
    listed = set(ingest.get("meetings_not_modelled", []))
    every = inputs.document_meetings
    if every is None:
        every = frozenset(d["meeting"] for d in inputs.documents)
    return sorted(every - modelled - listed)


def _k_sweep(model: dict) -> list[dict]:
    """model.json's per-K quality, by K."""
    rows = [{"k": int(k), **v} for k, v in (model.get("per_k") or {}).items()]
    return sorted(rows, key=lambda r: r["k"])


def _charts(inputs: ReportInputs, speakers: list[dict],
            themes: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """The charts worth showing (base64), and a sentence instead of each empty one."""
    empty = {}
    if not speakers:
        empty["heatmap"] = ("トピック割合を出せる話者がいないため、"
                            "話者 × トピックの図はありません。")
    if not speakers or not any(t.get("parent") for t in inputs.topics):
        empty["group_heatmap"] = "トピックが少ないため、まとまりごとの図はありません。"
    if not any(not s["low_data"] for s in speakers):
        empty["speaker_mix"] = ("発言量が十分な話者（speakers.min_tokens 以上の語）がいないため、"
                                "話者ごとの構成図はありません。下の表に全員の割合があります。")
    if not any(t["n_docs"] for t in themes):
        empty["speaker_themes"] = ("テーマ（model.themes_file）が設定されていないか、"
                                   "テーマの語を含む文書がありません。")
    if len(inputs.model.get("per_k") or {}) <= 1:
        empty["k_selection"] = (f"K は設定で {inputs.model.get('n_topics')} に固定しました。"
                                "K ごとの比較は model.n_topics: auto で行います。")
    if inputs.group_topics is None or inputs.group_topics.empty:
        empty["group_topics"] = ("話者の会派（group）の情報がないため、"
                                 "会派 × トピックの図はありません。")
    if not doc_topics_summary(inputs).n_rows:
        empty["timeline"] = "モデルに入った文書がないため、会議の流れの図はありません。"
    for name in CHART_FILES:
        if name not in inputs.charts and name not in empty:
            empty[name] = "この図は作られていません（charts ステージの出力がありません）。"
    shown = {name: base64.b64encode(png).decode("ascii")
             for name, png in inputs.charts.items() if name not in empty}
    return shown, empty


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
    """The self-contained HTML report (images, its corpus and a Japanese font subset
    embedded). The font covers every character the page can show, also those only the
    λ slider, the search or the topic browser reveal (they are all in the context)."""
    env = _env(autoescape=True)
    loader = env.loader
    assert loader is not None  # _env's PackageLoader
    # Every template but the Markdown ones: an included section's words need glyphs too.
    sources = [loader.get_source(env, name)[0]
               for name in env.list_templates(filter_func=lambda n: not n.endswith(".md.j2"))]
    # One walk over the context (on a corpus of many meetings, seconds each): what the page
    # shows, and with what a reader may type, the font's subset.
    shown = page_characters(context, sources, typed=False)
    characters = "".join(sorted(set(shown).union(TYPED)))
    return env.get_template("report.html.j2").render(
        **context, corpus_packed=pack(context["corpus"]),
        font_css=font_face_css(characters), font_missing=missing_glyphs(shown))


def render_markdown(context: dict) -> str:
    """The same content as Markdown, for diffs and code hosts."""
    return _env(autoescape=False).get_template("report.md.j2").render(**context)
