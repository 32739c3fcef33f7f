"""The news-like text of the tokenize benchmark: Diet speech with new words spliced in at a
rate found to give the variety asked for."""

import json

from _project import DATA

from benchmarks import varied_text

KOKKAI = DATA / "kokkai/speeches.jsonl"


def test_variety_reaches_the_target_and_the_table_is_ndl_shaped(tmp_path):
    a = varied_text.write(tmp_path / "a.jsonl", [KOKKAI], 150_000, 80.0, 0, prefix=100_000)
    b = varied_text.write(tmp_path / "b.jsonl", [KOKKAI], 150_000, 80.0, 0, prefix=100_000)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert a == b
    # The splices raise the variety from the corpus's own (64 in its first 100k) to the target.
    assert a["mix_per_1000"] < 70 and abs(a["per_1000"] - 80.0) <= 1.0 and a["rate"] > 0
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert a["chars"] == sum(len(r["speech"]) for r in rows) >= 150_000
    source = [json.loads(line) for line in KOKKAI.read_text(encoding="utf-8").splitlines()]
    headers = {r["speechID"] for r in source if r.get("kind") == "header"}
    assert headers and not headers & {r["speechID"] for r in rows}  # not speech: left out
    assert {"speechID", "issueID", "speaker", "speech", "date", "house", "meeting",
            "issue"} <= set(rows[0])
    # Speaker labels stay as written, for ingest to read.
    assert sum(r["speech"].startswith("○") for r in rows) > 0.9 * len(rows)
