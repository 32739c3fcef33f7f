"""Tests for pipeline/stages/networks.py: the rows of the correspondence analysis."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline.common.errors import PipelineError
from pipeline.stages.networks import ca_row_labels


def _documents(tmp_path, groups):
    path = tmp_path / "documents.jsonl"
    path.write_text("".join(
        json.dumps({"doc_id": f"d{i}", "meeting": "m", "speaker": f"s{i}", "role": "",
                    "date": "", "attributes": {"group": g}}, ensure_ascii=False) + "\n"
        for i, g in enumerate(groups)), encoding="utf-8")
    return SimpleNamespace(documents=str(path))


def test_speakers_without_a_group_are_no_row_of_the_ca(tmp_path):
    args = _documents(tmp_path, ["自由民主党", "(なし)", "", "公明党"])
    doc_topics = pd.DataFrame({"doc_id": ["d0", "d1", "d2", "d3"]})
    assert ca_row_labels(args, doc_topics, "group") == ["自由民主党", "", "", "公明党"]


def test_an_attribute_no_document_has_is_an_error(tmp_path):
    args = _documents(tmp_path, ["(なし)", ""])
    with pytest.raises(PipelineError, match="^report.ca_rows: no document has the attribute"):
        ca_row_labels(args, pd.DataFrame({"doc_id": ["d0", "d1"]}), "group")
