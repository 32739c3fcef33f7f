"""ingest.columns.attributes and ingest.roster in the config schema."""

from __future__ import annotations

import pytest

from pipeline.common.config import parse_config
from pipeline.common.errors import PipelineError


def test_attributes_map_names_to_columns():
    cfg = parse_config({"ingest": {"input": "x", "columns": {
        "attributes": {"group": "speakerGroup", "役職": "speakerPosition"}}}})
    assert cfg.ingest.columns.attributes == {"group": "speakerGroup", "役職": "speakerPosition"}
    assert parse_config({"ingest": {"input": "x"}}).ingest.columns.attributes == {
        "group": "group", "position": "position"}


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", " "])
def test_an_attribute_name_that_is_a_path_is_one_line_error(name):
    with pytest.raises(PipelineError) as error:
        parse_config({"ingest": {"input": "x", "columns": {"attributes": {name: "c"}}}},
                     "configs/pipeline.yaml")
    message = str(error.value)
    assert len(message.splitlines()) == 1
    assert message.startswith("configs/pipeline.yaml: ingest.columns.attributes: ")
    assert "plain name" in message


def test_a_list_of_attributes_is_a_type_error():
    with pytest.raises(PipelineError, match=r"ingest\.columns\.attributes"):
        parse_config({"ingest": {"input": "x", "columns": {"attributes": ["group"]}}})
