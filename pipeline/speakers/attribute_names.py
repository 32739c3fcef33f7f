"""How speaker attributes are named to a reader: the name the user wrote in
ingest.columns.attributes, in Japanese where it is a known Latin key, and what a speaker
without a value is called (not a group of its own)."""

from __future__ import annotations

# Latin keys a config is likely to use; any other name is shown as written (会派 stays 会派).
KNOWN = {"group": "会派", "position": "役職", "house": "院", "committee": "委員会",
         "party": "政党", "affiliation": "所属", "role": "役割", "speaker": "話者",
         "meeting": "会議"}
# Values that say "no value": empty, or minutes' own （なし） (NFKC'd to (なし)).
NO_VALUE = frozenset({"", "(なし)", "（なし）", "なし"})


def attribute_title(name: str) -> str:
    """The attribute's name for charts and headings: 会派 for group, 役職 for position, …"""
    return KNOWN.get(name, name)


def missing_label(name: str) -> str:
    """What speakers without a value are called: for the group, those who sit in no party
    (civil servants, ministers' officials, witnesses, the central bank's governor)."""
    if name == "group":
        return "会派なし（政府側・参考人など）"
    return f"{attribute_title(name)}なし"
