"""ingest.group_aliases: variants of one group (a party's names in the two houses, before and
after a merger) counted as one, and how many speakers and turns each variant brought."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from pipeline.ingest.transcripts import Turn

GROUP = "group"  # the attribute the aliases apply to (group_topics.csv)


@dataclass(frozen=True)
class GroupsAliased:
    """Turns with their group renamed, and what each (variant, group) pair merged."""

    turns: list[Turn]
    n_turns: Counter = field(default_factory=Counter)  # (variant, group) -> turns
    speakers: set[tuple[str, str, str]] = field(default_factory=set)  # (variant, group, speaker)


def alias_groups(turns: list[Turn], aliases: dict[str, str]) -> GroupsAliased:
    """Each turn whose group is a key of `aliases` gets the group it maps to."""
    if not aliases:
        return GroupsAliased(turns)
    out: list[Turn] = []
    n_turns: Counter = Counter()
    speakers: set[tuple[str, str, str]] = set()
    for t in turns:
        values = dict(t.attributes)
        variant = values.get(GROUP, "")
        if variant in aliases:
            canonical = aliases[variant]
            values[GROUP] = canonical
            t = replace(t, attributes=tuple(sorted(values.items())))
            if t.turn > 0:
                n_turns[(variant, canonical)] += 1
                speakers.add((variant, canonical, t.speaker))
        out.append(t)
    return GroupsAliased(out, n_turns, speakers)


def alias_metrics(aliases: dict[str, str], n_turns: Counter,
                  speakers: set[tuple[str, str, str]]) -> list[dict]:
    """ingest.json's `group_aliases`: each alias, with the speakers and turns it merged (0
    for a variant no transcript holds: a typo, or another corpus's name)."""
    n_speakers = Counter((variant, group) for variant, group, _ in speakers)
    return [{"variant": variant, "group": group, "n_speakers": n_speakers[(variant, group)],
             "n_turns": n_turns[(variant, group)]} for variant, group in sorted(aliases.items())]
