"""Tests for ingest.group_aliases (pipeline/ingest/group_aliases.py): variants of one group
counted as one, and what each alias merged in ingest.json."""

from __future__ import annotations

from pipeline.common.config import IngestConfig
from pipeline.ingest.core import read_corpus, read_options

TABLE = """speaker,text,meeting,group
田中太郎,防衛予算について質問します。,m1,自由民主党・無所属の会
田中太郎,続けて伺います。,m1,自由民主党・無所属の会
佐藤花子,地方の財政について伺います。,m1,自由民主党
山田一郎,外交について伺います。,m2,自由民主党・無所属の会
鈴木次郎,教育について伺います。,m2,立憲民主党・無所属
"""


def _read(tmp_path, aliases):
    path = tmp_path / "minutes.csv"
    path.write_text(TABLE, encoding="utf-8")
    cfg = IngestConfig(input=str(path), group_aliases=aliases)
    return read_corpus(path, read_options(cfg))


def test_a_variant_becomes_its_group_and_is_counted(tmp_path):
    corpus = _read(tmp_path, {"自由民主党・無所属の会": "自由民主党", "維新": "日本維新の会"})
    groups = {d["speaker"]: d["attributes"]["group"] for d in corpus.documents}
    assert groups == {"田中太郎": "自由民主党", "佐藤花子": "自由民主党", "山田一郎": "自由民主党",
                      "鈴木次郎": "立憲民主党・無所属"}
    merged = corpus.tally.metrics()["group_aliases"]
    assert merged == [
        {"variant": "維新", "group": "日本維新の会", "n_speakers": 0, "n_turns": 0},
        {"variant": "自由民主党・無所属の会", "group": "自由民主党", "n_speakers": 2,
         "n_turns": 3}]


def test_without_aliases_the_groups_are_as_written(tmp_path):
    corpus = _read(tmp_path, {})
    assert {d["attributes"]["group"] for d in corpus.documents} == {
        "自由民主党・無所属の会", "自由民主党", "立憲民主党・無所属"}
    assert corpus.tally.metrics()["group_aliases"] == []
