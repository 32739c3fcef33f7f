"""The memory benchmark's table: short turns of real clauses, meetings of a few hundred
turns, the corpus's speakers; the same rows for the same arguments."""

import csv

from _project import DATA

from benchmarks import short_turns

KOKKAI = DATA / "kokkai"


def test_a_table_of_short_turns_in_meetings_of_a_few_hundred(tmp_path):
    facts = short_turns.write_table(tmp_path / "turns.csv", 1_000, KOKKAI)
    with open(tmp_path / "turns.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == facts["turns"] == 1_000
    assert list(rows[0]) == list(short_turns._COLUMNS)
    assert 15 <= facts["chars"] / facts["turns"] <= 40  # about 25 characters a turn
    sizes = [sum(r["meeting"] == m for r in rows) for m in {r["meeting"] for r in rows}]
    assert all(s <= 400 for s in sizes) and max(sizes) >= 200
    assert all(r["text"] and r["speaker"] for r in rows)
    assert any(r["group"] for r in rows)  # speakers come with their groups
    short_turns.write_table(tmp_path / "again.csv", 1_000, KOKKAI)
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "turns.csv").read_bytes()
