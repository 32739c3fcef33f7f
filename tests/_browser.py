"""Headless Chromium with the network blocked, and the checks every report must pass there."""

from __future__ import annotations

import base64
import gzip
import io
import json
import math
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def need_chromium() -> str:
    """Chromium's path; CI must have it, elsewhere the module is skipped."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Chromium for the browser tests: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI always runs this",
                    allow_module_level=True)
    return CHROMIUM


@contextmanager
def open_report(path: Path, screenshot: Path | None = None):
    """The report in a page; every request off the file system is blocked and recorded,
    console errors and uncaught exceptions too (in `page.problems`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=need_chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.problems = []

        def block(route):
            page.problems.append(f"network: {route.request.url}")
            route.abort()

        context.route(re.compile(r"^(?!file:|data:|blob:)"), block)
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_function("document.body.dataset.corpus === 'ready'", timeout=60_000)
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        yield page
        browser.close()


def embedded_font_chars(html: str) -> set[str]:
    """The characters the report's embedded font subset has glyphs for (its cmap)."""
    from fontTools.ttLib import TTFont

    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html).group(1)
    return {chr(c) for c in TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()}


def embedded_corpus(html: str) -> dict:
    """The search corpus the page carries (gzip JSON in base64)."""
    packed = re.search(r'id="corpus-data">([A-Za-z0-9+/=]*)<', html).group(1)
    return json.loads(gzip.decompress(base64.b64decode(packed)))


def search(page, term: str, topic: str = "", speaker: str = "") -> list[dict]:
    """Run the report's search; the KWIC lines of the first page."""
    page.select_option("#search-topic", topic)
    page.select_option("#search-speaker", speaker)
    page.fill("#search-input", term)
    page.press("#search-input", "Enter")
    page.wait_for_function(
        "t => document.getElementById('search-status').textContent.includes(t)", arg=term)
    return page.evaluate("""() => Array.from(document.querySelectorAll('#kwic tbody tr.kwic-line'))
        .map(r => ({left: r.cells[0].textContent, hit: r.cells[1].textContent,
                    right: r.cells[2].textContent, speaker: r.cells[3].textContent,
                    meeting: r.cells[4].textContent, date: r.cells[5].textContent,
                    turn: r.cells[6].textContent, topic: r.cells[7].textContent}))""")


def expected_terms(topic: dict, lam: float, n: int = 10) -> list[str]:
    """LDAvis relevance ranking, as the page must give it: terms with no weight in the topic
    left out, ties by the term."""
    scored = []
    for term, phi, p in zip(topic["terms"], topic["phi"], topic["p"], strict=True):
        if phi > 0:
            log_phi = math.log(phi)
            scored.append((-(lam * log_phi + (1 - lam) * (log_phi - math.log(max(p, 1e-12)))),
                           term))
    return [term for _, term in sorted(scored)[:n]]


def set_lambda(page, lam: float) -> None:
    page.locator("#lambda").fill(str(lam))
    page.wait_for_function("v => document.getElementById('lambda-value').textContent === v",
                           arg=f"{lam:.1f}")


def check_lambda(page) -> None:
    """At λ = 0, 0.6 and 1, every topic's terms are finite scores in relevance order."""
    relevance = page.evaluate("JSON.parse(document.getElementById('relevance-data').textContent)")
    for lam in (0, 0.6, 1):
        set_lambda(page, lam)
        for topic in relevance["topics"]:
            spans = page.locator(f'.terms[data-topic="{topic["topic"]}"] span')
            terms = spans.all_inner_texts()
            scores = [float(s) for s in spans.evaluate_all("s => s.map(x => x.dataset.score)")]
            assert terms == expected_terms(topic, lam), (lam, topic["topic"])
            assert all(math.isfinite(s) for s in scores)
            assert scores == sorted(scores, reverse=True)


def check_topic_map(page, n_topics: int) -> None:
    """Every topic is a circle; clicking one shows its label and terms."""
    circles = page.locator(".topic-circle")
    assert circles.count() == n_topics
    boxes = [circles.nth(i).bounding_box() for i in range(n_topics)]
    assert all(b and b["width"] > 0 for b in boxes)
    before = page.locator("#map-terms").inner_text()
    last = str(n_topics)
    page.locator(f'.topic-circle[data-topic="{last}"]').click(force=True)
    assert page.inner_text("#map-title").startswith(f"T{last}:")
    assert page.locator(f'.topic-circle.selected[data-topic="{last}"]').count() == 1
    after = page.locator("#map-terms").inner_text()
    assert after and after != before
    assert page.locator("#browser tbody tr").count() > 0
    # Every topic's number is drawn, and no two overprint.
    numbers = page.locator(".map-number")
    assert numbers.count() == n_topics
    rects = [numbers.nth(i).bounding_box() for i in range(n_topics)]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            assert min(w, h) <= 1, (a, b)
    # A topic hidden under a bigger circle is reached from the list.
    page.select_option("#map-select", "1")
    assert page.inner_text("#map-title").startswith("T1:")
    assert page.locator('.topic-circle.selected[data-topic="1"]').count() == 1


def check_glyphs(page, html: str) -> None:
    """Every character the page shows now, and every one its data can reveal, is in the
    embedded font (or the whole IPAexGothic lacks it and the page says so)."""
    from pipeline.report.fonts import missing_glyphs

    cmap = embedded_font_chars(html)
    shown = set(page.inner_text("body")) | set(page.evaluate(
        "Array.from(document.querySelectorAll('input,select,option'))"
        ".map(e => e.value || e.textContent).join('')"))
    corpus = embedded_corpus(html)
    relevance = page.evaluate("JSON.parse(document.getElementById('relevance-data').textContent)")
    hidden = {c for d in corpus["docs"] for c in d[5]} | {
        c for t in relevance["topics"] for term in t["terms"] for c in term}
    wanted = {c for c in shown | hidden if not c.isspace() and c.isprintable()}
    lacking = wanted - cmap
    assert lacking == set(missing_glyphs("".join(wanted))), sorted(lacking)[:20]


def check_images(page) -> None:
    sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert sizes and all(done and width > 0 for done, width in sizes)
