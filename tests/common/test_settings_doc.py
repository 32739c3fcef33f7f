"""docs/settings.md is the schema's own reference: current, and naming every key."""

from __future__ import annotations

import yaml
from _project import ROOT
from pydantic import BaseModel

from pipeline.common.config import PipelineConfig
from pipeline.common.settings_doc import describe_type, render, sections

DOC = ROOT / "docs" / "settings.md"
SHIPPED = ROOT / "configs" / "pipeline.yaml"


def test_settings_page_is_current():
    """Regenerate and compare: a schema change without `python -m
    pipeline.common.settings_doc` fails here."""
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/settings.md is not current; run python -m pipeline.common.settings_doc")


def _shipped_keys(data: dict, model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted keys of the shipped config, into nested sections (not into mappings that are
    values, such as ingest.aliases)."""
    keys = []
    for name, value in data.items():
        keys.append(f"{prefix}{name}")
        field = model.model_fields.get(name)
        section = field.annotation if field is not None else None
        if isinstance(value, dict) and isinstance(section, type) \
                and issubclass(section, BaseModel):
            keys.extend(_shipped_keys(value, section, f"{prefix}{name}."))
    return keys


def test_every_shipped_key_has_a_row():
    text = DOC.read_text(encoding="utf-8")
    keys = _shipped_keys(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")), PipelineConfig)
    assert "ingest.columns.attributes" in keys and "model.n_topics" in keys
    documented = [k for k in keys if f"| `{k}` |" in text or f"## `{k}`" in text]
    assert sorted(set(keys) - set(documented)) == []


def test_every_setting_and_section_is_described():
    rows = [s for section in sections() for s in section.settings]
    assert len(rows) >= 67
    assert [s.key for s in rows if not s.description.strip()] == []
    assert [s.name for s in sections() if not s.description.strip()] == []


def test_types_in_words():
    fields = PipelineConfig.model_fields
    tokens = fields["tokens"].annotation.model_fields
    assert describe_type(tokens["n_jobs"].annotation, tokens["n_jobs"].metadata) \
        == "whole number in [-1, 1,024]; not 0 (-1 is every core)"
    speakers = fields["speakers"].annotation.model_fields
    assert describe_type(speakers["ci"].annotation, speakers["ci"].metadata) \
        == "number in (0, 1)"
    ingest = fields["ingest"].annotation.model_fields
    assert describe_type(ingest["roster"].annotation) == "text or null"
    assert describe_type(ingest["speaker_weights"].annotation) \
        == "mapping text → number in (0, 1,000]"
