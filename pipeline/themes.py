"""Seeded themes: named lists of seed words that guide topics and code documents."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import PipelineError


@dataclass(frozen=True)
class Theme:
    """A named theme and its seed words; `guides` if it gets a topic of its own."""

    name: str
    seeds: tuple[str, ...]
    guides: bool = True


SECTIONS = {"themes": True, "coding_themes": False}


def parse_themes(data: object, source: str) -> list[Theme]:
    """Validate `{themes: {name: [seed, ...]}, coding_themes: {...}}`.

    `themes` each guide a topic and are coded; `coding_themes` are only coded (dictionary
    coding: who mentions them), for subjects the free topics already find.
    """
    if (not isinstance(data, dict) or not data or not set(data) <= set(SECTIONS)
            or not all(isinstance(v, dict) for v in data.values())):
        raise PipelineError(f"{source}: must map `themes:` (and optionally `coding_themes:`) "
                            "to names with seed lists")
    themes = []
    for section, guides in SECTIONS.items():
        for name, seeds in data.get(section, {}).items():
            if (not isinstance(seeds, list) or not seeds
                    or not all(isinstance(s, str) and s.strip() for s in seeds)):
                raise PipelineError(
                    f"{source}: {section}.{name}: give a non-empty list of seed words")
            themes.append(Theme(str(name), tuple(unicodedata.normalize("NFKC", s)
                                                 for s in seeds), guides))
    return themes


def load_themes(path: str | Path) -> list[Theme]:
    """Read a themes file (YAML, safe loader)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineError(
            f"{path}: themes file not found; create it or set model.themes_file to null"
        ) from None
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path}: malformed YAML ({exc.__class__.__name__})") from None
    return parse_themes(data, str(path))


def seed_columns(themes: Sequence[Theme], vocabulary: Sequence[str]) -> list[tuple[int, ...]]:
    """Vocabulary columns of each theme: terms equal to or containing a seed word.

    Containment matters in Japanese: the seed サイバー should also pull サイバーセキュリティ.
    """
    out = []
    for theme in themes:
        out.append(tuple(i for i, term in enumerate(vocabulary)
                         if any(seed in term for seed in theme.seeds)))
    return out
