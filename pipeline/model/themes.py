"""Seeded themes: named lists of seed words that guide topics and code documents."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.common.config import RefusedYaml, UniqueKeyLoader
from pipeline.common.errors import PipelineError


@dataclass(frozen=True)
class Theme:
    """A named theme and its seed words; `guides` if it gets a topic of its own."""

    name: str
    seeds: tuple[str, ...]
    guides: bool = True


SECTIONS = {"themes": True, "coding_themes": False}


def parse_themes(data: object, source: str) -> list[Theme]:
    """Validate `{themes: {name: [seed, ...]}, coding_themes: {...}}`; empty means no themes.

    `themes` each guide a topic and are coded; `coding_themes` are only coded (dictionary
    coding: who mentions them), for subjects the free topics already find.
    """
    if data is None:
        return []
    sections = data if isinstance(data, dict) else None
    if sections is not None:
        sections = {k: {} if v is None else v for k, v in sections.items()}
    if (sections is None or not set(sections) <= set(SECTIONS)
            or not all(isinstance(v, dict) for v in sections.values())):
        raise PipelineError(f"{source}: must map `themes:` (and optionally `coding_themes:`) "
                            "to names with seed lists")
    themes = []
    for section, guides in SECTIONS.items():
        for name, seeds in sections.get(section, {}).items():
            if (not isinstance(seeds, list) or not seeds
                    or not all(isinstance(s, str) and s.strip() for s in seeds)):
                raise PipelineError(
                    f"{source}: {section}.{name}: give a non-empty list of seed words")
            themes.append(Theme(str(name), tuple(unicodedata.normalize("NFKC", s)
                                                 for s in seeds), guides))
    _check_distinct(themes, source)
    return themes


def _check_distinct(themes: Sequence[Theme], source: str) -> None:
    """Two themes of one name, or of the same seed words, would be one topic twice."""
    seen: dict[str, Theme] = {}
    seeds: dict[frozenset[str], Theme] = {}
    for theme in themes:
        if theme.name in seen:
            raise PipelineError(f"{source}: theme {theme.name!r} is given twice; give each "
                                "theme one name")
        same = seeds.get(frozenset(theme.seeds))
        if same is not None:
            raise PipelineError(
                f"{source}: themes {same.name!r} and {theme.name!r} have the same seed words, "
                "so they would be one topic twice; merge them or change the seeds")
        seen[theme.name] = theme
        seeds[frozenset(theme.seeds)] = theme


def check_themes_fit_k(themes: Sequence[Theme], n_topics: int | str, k_max: int | str,
                       source: str) -> None:
    """Each seeded theme needs a topic of its own, and at least one topic stays free (for
    the documents that use no seed word): stop before any fitting if K cannot hold them
    (k_max auto always makes room: pipeline.model.k_choice.k_range)."""
    n = sum(1 for t in themes if t.guides)
    need = n + 1
    if not n:
        return
    key, have = ("model.k_max", k_max) if n_topics == "auto" else ("model.n_topics", n_topics)
    if have == "auto" or int(have) >= need:
        return
    raise PipelineError(
        f"{source}: {n} theme{'s need' if n > 1 else ' needs'} at least {need} topics but "
        f"{key} is {have}; set {key} to {need} or more, or move themes to coding_themes "
        "(coded, not seeded)")


def load_themes(path: str | Path) -> list[Theme]:
    """Read a themes file (YAML, safe loader; a key given twice is an error)."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except FileNotFoundError:
        raise PipelineError(
            f"{path}: themes file not found; create it or set model.themes_file to null"
        ) from None
    except UnicodeDecodeError:
        raise PipelineError(f"{path}: themes file is not UTF-8 text; save it as UTF-8") from None
    except RefusedYaml as exc:
        advice = "; give each name once (YAML would keep only the last)" \
            if "twice" in exc.problem else ""
        raise PipelineError(f"{path}:{exc.problem_mark.line + 1}: {exc.problem}{advice}"
                            ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise PipelineError(f"{path}{where}: malformed YAML ({problem})") from None
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
