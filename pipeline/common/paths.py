"""Paths as outputs show them: never absolute, so an output tells nothing of this machine's
folders and does not change when the project moves."""

from __future__ import annotations

import re

_ABSOLUTE = re.compile(r"(?<![\w.~])/(?:[^\s/#'\"]+/)*([^\s/#'\"]+/[^\s/#'\"]+)")


def without_absolute_paths(text: str) -> str:
    """Text (a config, a setting) with each absolute path cut to its last two parts
    (`…/diet-dev/speeches.jsonl`); relative paths as they are."""
    return _ABSOLUTE.sub(lambda m: "…/" + m.group(1), text)
