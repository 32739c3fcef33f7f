"""The report's search over every turn, in headless Chromium, on a corpus of 104 Diet
meetings run through the real stages: the chair's turns and a meeting of procedure only are
found and marked as not modelled, the filters (meeting, date range, 会派) narrow the lines,
the column headers sort, and the CSV records the query and the filters.

The meetings are copies of three meetings of tests/data/kokkai (NDL records, with 会派) and a
fourth made of one plenary sitting's chair turns only, each copy on a date of its own."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import pytest
from _browser import need_chromium, open_report, search
from _stages import CONFIG, STAGES, run_stage

pytestmark = pytest.mark.slow

need_chromium()

KOKKAI = Path(__file__).resolve().parents[1] / "data" / "kokkai" / "speeches.jsonl"
COPIES = 26  # x 4 meetings = 104 meetings
COMMITTEE, PLENARY, REPORTS = "121205124X00120231101", "121215254X00820231201", \
    "121215254X00920231206"
PROCEDURE_ONLY = "PROC"  # REPORTS' chair turns alone: nothing in it is modelled
def copy_date(c: int, date: str) -> str:
    """Copy c of a meeting: the same day of the month, in month c % 12 of year 2000 + c // 12."""
    return f"{2000 + c // 12}-{1 + c % 12:02d}-{date[-2:]}"


def meeting_records() -> list[dict]:
    """104 meetings' records: COPIES copies of three real meetings and of a procedure-only
    one, each copy with its own meeting id, issue number and date."""
    records = [json.loads(line) for line in KOKKAI.read_text(encoding="utf-8").splitlines()]
    sources = {m: [r for r in records if r["issueID"] == m and r["kind"] == "speech"]
               for m in (COMMITTEE, PLENARY, REPORTS)}
    sources[PROCEDURE_ONLY] = [{**r, "nameOfMeeting": "議事のみの本会議"}
                               for r in sources[REPORTS] if r["speakerPosition"] == "議長"]
    # One speaker without a group, as speakers of many corpora are.
    sources[COMMITTEE] = [{**r, "speakerGroup": None if r["speaker"] == "青山周平"
                           else r["speakerGroup"]} for r in sources[COMMITTEE]]
    out = []
    for c in range(COPIES):
        for meeting, rows in sources.items():
            out += [{**r, "issueID": f"{meeting}-{c:02d}", "issue": f"第{c + 1}号",
                     "speechID": f"{meeting}-{c:02d}_{i}",
                     "date": copy_date(c, r["date"])} for i, r in enumerate(rows)]
    return out


def diet_config() -> dict:
    config = copy.deepcopy(CONFIG)
    config["ingest"]["columns"] = {
        "speaker": "speaker", "text": "speech", "meeting": "issueID", "id": "speechID",
        "date": "date", "title": ["nameOfHouse", "nameOfMeeting", "issue"],
        "attributes": {"group": "speakerGroup", "position": "speakerPosition"}}
    config["ingest"]["exclude_rows"] = {"kind": ["header"]}
    # The copies repeat every sentence in 26 meetings: boilerplate and the meeting-wide
    # terms would leave nothing to model.
    config["tokens"]["boilerplate_min_meetings"] = 0
    config["vectorize"]["max_meeting_df"] = 1
    config["model"]["n_topics"] = 5
    config["speakers"]["n_bootstrap"] = 50
    config["report"]["title"] = "104 会議の検索"
    return config


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("search")
    (work / "meetings.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in meeting_records()),
        encoding="utf-8")
    config = diet_config()
    for stage in STAGES:
        paths = {"input": "meetings.jsonl"} if stage == "ingest" else {}
        status, errors = run_stage(work, stage, config, **paths)
        assert status == 0, (stage, errors)
    return work / "report" / "index.html"


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    with open_report(report, tmp_path_factory.getbasetemp() / "search.png") as page:
        yield page


def total(page) -> int:
    return int(page.inner_text("#search-status").split(": ")[1].split(" 件")[0])


def lines(page) -> list[dict]:
    """Every KWIC line of the first page, with its group (the last cell)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#kwic tbody tr.kwic-line'))
        .map(r => ({speaker: r.cells[3].textContent, meeting: r.cells[4].textContent,
                    date: r.cells[5].textContent, turn: +r.cells[6].textContent,
                    topic: r.cells[7].textContent, group: r.cells[8].textContent,
                    outside: r.classList.contains('not-modelled')}))""")


def reset(page) -> None:
    for select in ("#search-meeting", "#search-group", "#search-topic", "#search-speaker"):
        page.select_option(select, "")
    page.fill("#search-from", "")
    page.fill("#search-to", "")


def test_the_corpus_has_104_meetings_and_says_what_is_not_modelled(page, report):
    assert page.locator("#search-meeting option").count() == 1 + 4 * COPIES
    outside = page.locator("#search-meeting option", has_text="［モデル対象外］")
    assert outside.count() == COPIES
    assert all("議事のみの本会議" in t for t in outside.all_inner_texts())
    note = page.inner_text("#search + p.note")
    assert "モデル対象外" in note and f"うち {COPIES} 会議は全体が対象外" in note


def test_a_chairs_phrase_is_found_wherever_turns_csv_has_it(page, report):
    reset(page)
    search(page, "散会")
    turns = list(csv.DictReader(io.StringIO(
        (report.parents[1] / "turns.csv").read_text(encoding="utf-8-sig"))))
    assert total(page) == sum(t["text"].count("散会") for t in turns) >= 4 * COPIES
    shown = lines(page)
    # Said by the chairs, whose turns are not modelled.
    assert shown and all(line["outside"] and line["topic"] == "モデル対象外" for line in shown)
    assert {line["speaker"] for line in shown} <= {"田野瀬太道", "尾辻秀久"}
    assert f"うちモデル対象外 {total(page)} 件" in page.inner_text("#search-status")


def test_a_phrase_of_a_procedure_only_meeting_is_found(page):
    reset(page)
    option = page.locator("#search-meeting option", has_text="議事のみの本会議 第3号")
    index = option.get_attribute("value")
    page.select_option("#search-meeting", index)
    shown = search(page, "過半数と認めます")
    assert shown and all(line["meeting"] == "参議院 議事のみの本会議 第3号" for line in shown)
    assert all(line["topic"] == "モデル対象外" for line in shown)
    assert "会議 参議院 議事のみの本会議 第3号" in page.inner_text("#search-status")


def test_a_date_range_keeps_the_lines_of_its_days(page):
    reset(page)
    search(page, "大臣")
    every = total(page)
    page.fill("#search-from", "2001-01-01")
    page.fill("#search-to", "2001-03-31")
    page.press("#search-to", "Enter")
    page.wait_for_function("() => document.getElementById('search-status').textContent"
                           ".includes('日付 2001-01-01〜2001-03-31')")
    shown = lines(page)
    assert shown and 0 < total(page) < every / 4
    assert all("2001-01-01" <= line["date"] <= "2001-03-31" for line in shown)


def test_the_group_filter_keeps_one_groups_lines(page):
    reset(page)
    search(page, "会派を代表")
    assert len({line["group"] for line in lines(page)}) > 1
    page.select_option("#search-group", label="日本共産党")
    page.wait_for_function("() => document.getElementById('search-status').textContent"
                           ".includes('会派 日本共産党')")
    shown = lines(page)
    assert shown and {line["group"] for line in shown} == {"日本共産党"}
    assert {line["speaker"] for line in shown} == {"吉良よし子"}
    # Speakers without a group are named as such, and found by it.
    page.select_option("#search-group", label="（会派なし）")
    shown = search(page, "副大臣")
    assert shown and {line["speaker"] for line in lines(page)} == {"青山周平"}
    assert {line["group"] for line in lines(page)} == {"（会派なし）"}


def test_headers_sort_both_ways_by_mouse_and_keyboard(page):
    reset(page)
    search(page, "委員長")
    header = page.locator('#kwic th[data-key="date"]')
    header.locator("button").click()
    dates = [line["date"] for line in lines(page)]
    assert dates == sorted(dates) and header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    dates = [line["date"] for line in lines(page)]
    assert dates == sorted(dates, reverse=True) and dates[0] > dates[-1]
    assert header.get_attribute("aria-sort") == "descending"
    speaker = page.locator('#kwic th[data-key="speaker"] button')
    speaker.focus()
    page.keyboard.press("Enter")
    names = [line["speaker"] for line in lines(page)]
    assert names == sorted(names) and header.get_attribute("aria-sort") == "none"
    turns = page.locator('#kwic th[data-key="turn"] button')
    turns.focus()
    page.keyboard.press("Space")
    numbers = [line["turn"] for line in lines(page)]
    assert numbers == sorted(numbers)
    page.keyboard.press("Enter")
    backwards = [line["turn"] for line in lines(page)]
    assert backwards == sorted(backwards, reverse=True) and backwards[0] > numbers[0]


def test_the_csv_records_the_query_and_the_filters(page, tmp_path):
    reset(page)
    page.select_option("#search-group", label="日本共産党")
    page.fill("#search-from", "2000-01-01")
    search(page, "会派を代表")
    with page.expect_download() as download:
        page.click("#search-csv")
    saved = tmp_path / "kwic.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == total(page) > 0
    assert {(r["query"], r["filter_group"], r["filter_date_from"], r["filter_date_to"])
            for r in rows} == {("会派を代表", "日本共産党", "2000-01-01", "")}
    assert {r["group"] for r in rows} == {"日本共産党"}
    assert {r["modelled"] for r in rows} == {"True"}
    assert page.problems == []
