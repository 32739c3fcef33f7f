"""The settings reference, docs/settings.md, written from the config schema.

    python -m pipeline.common.settings_doc            # rewrite docs/settings.md
    python -m pipeline.common.settings_doc --check    # exit 1 if it is not current

Every key of `pipeline.common.config.PipelineConfig` with its default, what values it takes
(type, bounds, choices and the rules of its validators) and its description: the schema is
the one source, so the page cannot drift from it (tests/common/test_settings_doc.py)."""

from __future__ import annotations

import argparse
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
import yaml
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from pipeline.common.config import PipelineConfig

DOC = Path("docs/settings.md")

HEADER = """\
# Settings reference

<!-- Written by `python -m pipeline.common.settings_doc` from the schema in
pipeline/common/config.py; edit the schema, not this page (a test checks it is current). -->

Every key of `configs/pipeline.yaml`, the DVC params file, with its default, the values it
takes and what it does. The shipped file sets every key to its default here, except the
files a project names itself (`ingest.input`, `model.themes_file`, `tokens.stopwords_file`).
An unknown key, a wrong type or a value out of bounds stops the run before any work with one
line naming the key. Change a value for one experiment with
`dvc exp run -S 'configs/pipeline.yaml:KEY=VALUE'`; the settings most worth changing are in
the README's "Settings".

Notation: `[a, b]` includes both ends, `(a, b]` excludes a; "text" is any string.
"""


@dataclass(frozen=True)
class Setting:
    """One row of the reference: a dotted key and what the schema says of it."""

    key: str
    default: str
    allowed: str
    description: str


@dataclass(frozen=True)
class Section:
    """A section of the config (ingest, tokens, ...) and its rules across keys."""

    name: str
    description: str
    rules: tuple[str, ...]
    settings: tuple[Setting, ...]


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _bounds(metadata: list[Any]) -> str:
    """`[1, 1,000]`, `(0, 1]`, `>= 0` from annotated-types bounds; '' if none."""
    low = high = None
    for item in metadata:
        if isinstance(item, at.Ge):
            low = f"[{_number(item.ge)}"
        elif isinstance(item, at.Gt):
            low = f"({_number(item.gt)}"
        elif isinstance(item, at.Le):
            high = f"{_number(item.le)}]"
        elif isinstance(item, at.Lt):
            high = f"{_number(item.lt)})"
    if low and high:
        return f"{low}, {high}"
    if low:
        return f">= {low[1:]}" if low[0] == "[" else f"> {low[1:]}"
    if high:
        return f"<= {high[:-1]}" if high[-1] == "]" else f"< {high[:-1]}"
    return ""


def _rule(function: Any) -> str:
    """A validator's rule: the first line of its docstring, as a clause ('not 0')."""
    line = (function.__doc__ or "").strip().splitlines()[0].rstrip(".")
    return line[:1].lower() + line[1:]


def _validator_rules(metadata: list[Any]) -> list[str]:
    """The rules of the AfterValidators in an Annotated type."""
    return [_rule(item.func) for item in metadata
            if isinstance(item, AfterValidator) and item.func.__doc__]


def describe_type(annotation: Any, metadata: list[Any] | None = None) -> str:
    """The values a type takes, in words: 'whole number in [1, 100]', '`a` | `b`', ..."""
    metadata = list(metadata or [])
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        for item in extra:
            metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        return describe_type(base, metadata)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        text = " or ".join(describe_type(a, metadata) for a in options)
        return f"{text} or null" if len(options) < len(get_args(annotation)) else text
    if origin is Literal:
        return " | ".join(f"`{value}`" for value in get_args(annotation))
    if origin is list:
        return f"list of {describe_type(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"mapping {describe_type(key)} → {describe_type(value)}"
    names = {bool: "`true` | `false`", int: "whole number", float: "number", str: "text"}
    text = names.get(annotation, getattr(annotation, "__name__", str(annotation)))
    if annotation in (int, float) and (bounds := _bounds(metadata)):
        text += f" in {bounds}" if bounds[0] in "[(" else f" {bounds}"
    rules = _validator_rules(metadata)
    return "; ".join([text, *rules])


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, str) and value:
        return f"`{value}`"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000)
    return "`" + text.strip().removesuffix("...").strip() + "`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _doc(cls: type) -> str:
    return " ".join((cls.__doc__ or "").split())


def _field_rules(model: type[BaseModel], name: str) -> list[str]:
    """Docstring rules of the model's field validators that check this field."""
    decorators = model.__pydantic_decorators__.field_validators.values()
    return [_rule(d.func) for d in decorators if name in d.info.fields and d.func.__doc__]


def _settings(model: type[BaseModel], prefix: str) -> list[Setting]:
    rows: list[Setting] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.append(Setting(key, "", "the keys below", field.description or _doc(annotation)))
            rows.extend(_settings(annotation, f"{key}."))
            continue
        allowed = "; ".join([describe_type(annotation, list(field.metadata)),
                             *_field_rules(model, name)])
        rows.append(Setting(key, _default(field), allowed, field.description or ""))
    return rows


def sections(model: type[BaseModel] = PipelineConfig) -> list[Section]:
    """Every section of the schema, top-level keys (seed) first, each with its settings."""
    top = [name for name, field in model.model_fields.items()
           if not (isinstance(field.annotation, type)
                   and issubclass(field.annotation, BaseModel))]
    out = [Section("", _doc(model), (), tuple(
        s for s in _settings(model, "") if s.key in top))]
    for name, field in model.model_fields.items():
        section = field.annotation
        if name in top or not isinstance(section, type) or not issubclass(section, BaseModel):
            continue
        rules = tuple((d.func.__doc__ or "").strip().splitlines()[0]
                      for d in section.__pydantic_decorators__.model_validators.values()
                      if d.func.__doc__)
        out.append(Section(name, field.description or _doc(section), rules,
                           tuple(_settings(section, f"{name}."))))
    return out


def render(model: type[BaseModel] = PipelineConfig) -> str:
    """docs/settings.md as text."""
    lines = [HEADER]
    for section in sections(model):
        lines.append(f"## `{section.name}`\n" if section.name else "## Top level\n")
        lines.append(f"{section.description}\n")
        lines.extend(f"Also checked: {rule}\n" for rule in section.rules)
        lines.append("| key | default | allowed | what it does |")
        lines.append("|---|---|---|---|")
        lines.extend(f"| `{s.key}` | {_cell(s.default)} | {_cell(s.allowed)} | "
                     f"{_cell(s.description)} |" for s in section.settings)
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write docs/settings.md (or, with --check, say whether it is current)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DOC)
    parser.add_argument("--check", action="store_true",
                        help="exit 1, writing nothing, if the file is not current")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        if not current:
            print(f"{args.output} is not current; run python -m pipeline.common.settings_doc",
                  file=sys.stderr)
        return 0 if current else 1
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
