"""The document table and the documents' terms, read column by column with each repeated
string held once: the same table and terms as reading a dict per document."""

from __future__ import annotations

import json

import pandas as pd

from pipeline.common.io import DOCUMENT_FIELDS, read_doc_terms, read_document_table

DOCS = [
    {"doc_id": "m#1.1", "meeting": "m", "speaker": "岸", "role": "大臣", "date": "2024-01-01",
     "attributes": {"group": "自由民主党"}, "text": "…"},
    {"doc_id": "m#2.1", "meeting": "m", "speaker": "辻元", "role": None, "date": "",
     "attributes": {"position": "委員", "speaker": "別名"}, "text": "…"},
    {"doc_id": "n#1.1", "meeting": "n", "speaker": "岸", "role": "大臣", "text": "…"},
]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _table_from_dicts(rows):
    """What read_document_table made before: one dict per document, one frame of them."""
    out = []
    for d in rows:
        row = {f: d.get(f, "") for f in DOCUMENT_FIELDS}
        for name, value in (d.get("attributes") or {}).items():
            row[f"attribute_{name}" if name in DOCUMENT_FIELDS else name] = value
        out.append(row)
    table = pd.DataFrame(out)
    extra = sorted(c for c in table.columns if c not in DOCUMENT_FIELDS)
    return table[[*DOCUMENT_FIELDS, *extra]].fillna("").astype(str)


def test_the_document_table_is_the_one_a_dict_per_document_made(tmp_path):
    table = read_document_table(_jsonl(tmp_path / "documents.jsonl", DOCS))
    pd.testing.assert_frame_equal(table, _table_from_dicts(DOCS))
    assert list(table.columns) == [*DOCUMENT_FIELDS, "attribute_speaker", "group", "position"]
    assert table["speaker"][0] is table["speaker"][2]  # one string for every 岸


def test_doc_ids_given_are_the_callers_own_strings(tmp_path):
    path = _jsonl(tmp_path / "documents.jsonl", DOCS)
    # Strings made at run time (not the literals above, which Python may share anyway).
    ids = ["".join(["m#", str(n), ".1"]) for n in (2, 1)]
    table = read_document_table(path, ids)
    pd.testing.assert_frame_equal(table, read_document_table(path))
    assert table["doc_id"][0] is ids[1] and table["doc_id"][1] is ids[0]
    assert table["doc_id"][2] == "n#1.1"  # not among the ids: read as it is


def test_terms_are_read_in_order_each_distinct_term_once(tmp_path):
    path = _jsonl(tmp_path / "tokens.jsonl", [
        {"doc_id": "a", "terms": ["税", "物価", "税"]},
        {"doc_id": "b", "terms": [], "procedural": True},
        {"doc_id": "c", "terms": ["物価"]}])
    terms, procedural = read_doc_terms(path)
    assert terms == {"a": ["税", "物価", "税"], "b": [], "c": ["物価"]}
    assert list(terms) == ["a", "b", "c"] and procedural == {"b"}
    assert terms["a"][1] is terms["c"][0] and terms["a"][0] is terms["a"][2]
