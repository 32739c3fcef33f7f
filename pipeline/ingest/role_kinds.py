"""Kinds of role (member, chair, minister, official, witness, ...): the rules a linguist edits
are in resources/role_kinds_ja.tsv (title ending -> kind); this module only reads them."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

MODIFIER = "-"  # a kind that is no kind: 兼務, 心得, taken off before reading the title


@lru_cache(maxsize=1)
def _lines() -> tuple[str, ...]:
    """The table's lines that hold a rule: `ending<TAB>kind`, or `@kind<TAB>kind` for kinds
    one person holds together."""
    text = resources.files("pipeline.ingest.resources").joinpath("role_kinds_ja.tsv") \
        .read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _pair(line: str) -> tuple[str, str]:
    first, second = line.split("\t")[:2]
    return first, second


@lru_cache(maxsize=1)
def role_endings() -> tuple[tuple[str, str], ...]:
    """(ending, kind) pairs, longest ending first."""
    pairs = [_pair(line) for line in _lines() if not line.startswith("@")]
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))


@lru_cache(maxsize=1)
def kind_ranks() -> dict[str, int]:
    """Each kind's rank (its order of first appearance in the table; first = 0)."""
    ranks: dict[str, int] = {}
    for line in _lines():
        if not line.startswith("@") and (kind := line.split("\t")[1]) != MODIFIER:
            ranks.setdefault(kind, len(ranks))
    return ranks


@lru_cache(maxsize=1)
def _held_together() -> dict[str, str]:
    return dict(_pair(line[1:]) for line in _lines() if line.startswith("@"))


def person_kind(role: str) -> str:
    """The kind of role that tells people apart: role_kind, with kinds one person holds
    together read as one (a chair is a member: 谷委員長 and 谷委員 are one person)."""
    kind = role_kind(role)
    return _held_together().get(kind, kind)


@lru_cache(maxsize=4096)
def role_kind(role: str) -> str:
    """The kind of a role by its longest known ending (中央卸売市場長 -> official, 予算委員長 ->
    chair), modifiers taken off first (担当部長兼務 -> official); "" for no role or none known."""
    role = role.strip(" ・/／")
    while role:
        for ending, kind in role_endings():
            if role.endswith(ending):
                if kind != MODIFIER:
                    return kind
                role = role.removesuffix(ending).strip(" ・/／")
                break
        else:
            return ""
    return ""
