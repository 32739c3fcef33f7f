"""The report's workbench on a many-meeting corpus, in headless Chromium with the network
blocked: 200 meetings and 12,000 turns (a synthetic report context, no `dvc repro`), so the
search, the topic map, the λ slider and the glyph coverage are tested at the size users bring."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _browser import (
    check_glyphs,
    check_images,
    check_lambda,
    check_topic_map,
    embedded_corpus,
    need_chromium,
    open_report,
    search,
)

from pipeline.report.inputs import ReportInputs, ReportSettings
from pipeline.report.render import build_context, render_html

pytestmark = pytest.mark.slow

need_chromium()

N_MEETINGS, TURNS_PER_MEETING = 200, 60
TOPIC_WORDS = [  # the first word of each topic is its seed: zero weight in every other topic
    ["特区", "規制緩和", "地方分権", "自治体", "構造改革"],
    ["安全保障", "防衛", "サイバー", "同盟", "抑止力"],
    ["材料", "研究開発", "大学", "技術", "イノベーション"],
    ["予算", "財政", "税制", "歳出", "補正"],
    ["医療", "介護", "年金", "保険", "診療報酬"],
    ["教育", "人材", "学校", "子ども", "奨学金"],
]
FRAMES = ["{a}について{b}の観点から伺います。", "{a}と{b}の関係をどうお考えか。",
          "政府として{a}を進め、{b}にも取り組んでまいります。", "{a}の現状は{b}と密接です。"]


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 220, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def many_meetings() -> ReportInputs:
    """12,000 turns by 300 speakers over 200 dated meetings, each turn mostly one topic."""
    rng = np.random.default_rng(0)
    vocabulary = [w for words in TOPIC_WORDS for w in words]
    k = len(TOPIC_WORDS)
    documents, rows, counts = [], [], []
    for m in range(N_MEETINGS):
        meeting, date = f"2024{m:04d}", f"2024-{1 + m % 12:02d}-{1 + m % 28:02d}"
        for turn in range(1, TURNS_PER_MEETING + 1):
            theta = rng.dirichlet(np.full(k, 0.3))
            main = int(theta.argmax())
            words = TOPIC_WORDS[main]
            text = "".join(FRAMES[int(rng.integers(len(FRAMES)))].format(
                a=words[int(rng.integers(5))], b=words[int(rng.integers(5))])
                for _ in range(3 + 2 * (turn % 5)))  # 60 to 300 characters
            speaker = f"議員{int(rng.integers(300)):03d}"
            doc_id = f"{meeting}#{turn}.1"
            documents.append({"doc_id": doc_id, "meeting": meeting, "speaker": speaker,
                              "turn": turn, "date": date, "start": 0, "end": len(text),
                              "text": text})
            rows.append({"doc_id": doc_id, "meeting": meeting, "speaker": speaker,
                         "turn": turn, **{f"topic_{j + 1}": round(float(theta[j]), 6)
                                          for j in range(k)}, "n_tokens": 6})
            counts.append([text.count(w) for w in vocabulary])
    doc_topics = pd.DataFrame(rows)
    dtm = sp.csr_matrix(np.array(counts))
    term_share = np.asarray(dtm.sum(axis=0)).ravel() / dtm.sum()
    relevance = {"lambda": 0.6, "topics": []}
    for j, words in enumerate(TOPIC_WORDS):
        weights = np.array([0.0 if w in [t[0] for t in TOPIC_WORDS] and w != words[0]
                            else (5.0 if w in words else 0.2) for w in vocabulary])
        phi = weights / weights.sum()
        relevance["topics"].append({"topic": j + 1, "terms": vocabulary,
                                    "phi": [round(float(x), 8) for x in phi],
                                    "p": [round(float(x), 8) for x in term_share]})
    topics = [{"topic": j + 1, "label": "・".join(words[:3]), "theme": words[0],
               "prevalence": float(doc_topics[f"topic_{j + 1}"].mean()), "terms": words,
               "npmi": 0.1} for j, words in enumerate(TOPIC_WORDS)]
    speakers = sorted({d["speaker"] for d in documents})
    shares = pd.DataFrame([{"speaker": s, "topic": j + 1, "share": 1 / k, "ci_low": 0.0,
                            "ci_high": 0.5, "n_docs": 40, "n_tokens": 240,
                            "low_data": s.endswith("7")} for s in speakers for j in range(k)])
    png = _png()
    return ReportInputs(
        ingest={"n_files": 1, "n_meetings": N_MEETINGS, "n_turns": len(documents),
                "n_speakers": len(speakers), "turns_not_modelled": {}, "files": []},
        tokens={"n_tokens": int(dtm.sum()), "documents_without_terms": 0},
        model={"n_documents": len(documents), "n_terms": len(vocabulary), "engine": "nmf",
               "n_topics": k, "n_topics_reason": "test", "coherence_npmi": 0.12,
               "stability": 0.8, "diversity": 0.9, "largest_topic_share": 0.2},
        topics=topics, doc_topics=doc_topics, documents=documents, shares=shares,
        charts={name: png for name in ("heatmap", "top_terms", "speaker_mix", "timeline",
                                       "k_selection", "speaker_themes")},
        relevance=relevance, dtm=dtm,
        themes=[{"name": w[0], "seeds": [w[0]], "guides": True} for w in TOPIC_WORDS],
        meeting_titles={f"2024{m:04d}": title(m) for m in range(N_MEETINGS)},
        settings=ReportSettings(title="200 会議の分析", n_quotes=2))


def title(m: int) -> str:
    """Meeting m's title, as ingest.columns.title [house, meeting, issue] makes one."""
    return f"{'衆議院' if m % 2 else '参議院'} 予算委員会 第{m + 1}号"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("many") / "index.html"
    path.write_text(render_html(build_context(many_meetings())), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    with open_report(report, tmp_path_factory.getbasetemp() / "many.png") as page:
        yield page


def test_every_turn_is_searchable_and_the_page_stays_compact(report):
    html = report.read_text(encoding="utf-8")
    corpus = embedded_corpus(html)
    assert len(corpus["docs"]) == N_MEETINGS * TURNS_PER_MEETING
    assert len(corpus["meetings"]) == N_MEETINGS
    text = sum(len(d[5].encode()) for d in corpus["docs"])
    assert len(html.encode()) < text / 2  # the embedded text is compressed


@pytest.mark.parametrize("term", ["特区", "安全保障"])
def test_search_lists_kwic_lines_with_dates(page, term):
    lines = search(page, term)
    assert len(lines) == 50  # one page of many
    assert all(line["hit"] == term and line["date"].startswith("2024-") for line in lines)
    status = page.inner_text("#search-status")
    total = int(status.split(": ")[1].split(" 件")[0])
    assert total > 1000
    assert f"1–50 件目 / {total} 件" in page.inner_text("#kwic-pager")
    page.locator("#kwic-pager button", has_text="次へ").click()
    assert "51–100 件目" in page.inner_text("#kwic-pager")


def test_kwic_and_browser_name_meetings_by_title(page):
    titles = {title(m) for m in range(N_MEETINGS)}
    lines = search(page, "特区")
    assert lines and all(line["meeting"] in titles for line in lines)
    ids = page.locator("#kwic tbody tr.kwic-line td:nth-child(5)").evaluate_all(
        "cells => cells.map(c => c.title)")
    assert all(i.startswith("2024") for i in ids)  # the id stays in the tooltip
    page.select_option("#map-select", "1")
    shown = page.locator("#browser tbody tr td:nth-child(3)").all_inner_texts()
    assert len(shown) == 50 and set(shown) <= titles


def test_search_filters_by_topic_and_speaker(page):
    lines = search(page, "安全保障", topic="2", speaker="議員010")
    status = page.inner_text("#search-status")
    assert "T2" in status and "議員010" in status
    assert lines and all(line["topic"] == "T2" and line["speaker"].startswith("議員010")
                         for line in lines)


def test_topic_map_and_browser(page):
    check_topic_map(page, len(TOPIC_WORDS))
    shares = [float(s.split("%")[0]) for s in
              page.locator("#browser tbody td.share").all_inner_texts()]
    assert len(shares) == 50 and shares == sorted(shares, reverse=True)


def test_lambda_ends_give_finite_ordered_terms(page):
    check_lambda(page)


def test_no_missing_glyphs_images_or_console_errors(page, report):
    search(page, "イノベーション")
    check_glyphs(page, report.read_text(encoding="utf-8"))
    check_images(page)
    assert page.problems == []


def test_kwic_sorts_by_context_opens_a_document_and_saves_csv(page, tmp_path):
    page.select_option("#search-order", "right")
    lines = search(page, "安全保障")
    keys = [line["right"][:20] for line in lines]
    assert keys == sorted(keys)
    page.locator("#kwic tbody tr.kwic-line").first.click()
    full = page.locator("#kwic tbody tr.kwic-full")
    assert full.count() == 1 and full.locator("mark").inner_text() == "安全保障"
    with page.expect_download() as download:
        page.click("#search-csv")
    saved = tmp_path / "kwic.csv"
    download.value.save_as(saved)
    rows = saved.read_text(encoding="utf-8-sig").splitlines()
    total = int(page.inner_text("#search-status").split(": ")[1].split(" 件")[0])
    assert rows[0].startswith("left,match,right") and len(rows) == total + 1
    page.select_option("#search-order", "")


def test_a_topic_section_opens_its_documents_and_a_passage_unfolds(page):
    page.locator('button.show-topic[data-topic="3"]').click()
    assert page.inner_text("#map-title").startswith("T3:")
    assert page.inner_text("#browser-title").startswith("T3 の文書")
    cell = page.locator("#browser tbody td.text.more").first
    short = cell.inner_text()
    assert short.endswith("…")
    cell.click()
    assert len(cell.inner_text()) > len(short) and not cell.inner_text().endswith("…")
    cell.click()
    assert cell.inner_text() == short


def _radii(page) -> dict[str, float]:
    return page.locator(".topic-circle").evaluate_all(
        "cs => Object.fromEntries(cs.map(c => [c.dataset.topic, +c.getAttribute('r')]))")


def test_clicking_a_term_sizes_the_circles_by_it(page):
    page.select_option("#map-select", "2")
    radii = _radii(page)
    page.locator(".map-term .bar-term", has_text="防衛").first.click()
    focused = _radii(page)
    assert max(focused, key=focused.get) == "2"  # 防衛 is topic 2's word
    assert focused != radii and "防衛" in page.inner_text("#map-focus")
    page.locator(".map-term .bar-term", has_text="防衛").first.click()
    assert _radii(page) == radii and page.inner_text("#map-focus") == ""
