"""One compiled search for any word of a lexicon, for every step that looks for one: ingest
(a chair's own speech) and tokenize (terms and topics of procedure)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=8)
def any_word(words: frozenset[str]) -> re.Pattern | None:
    """A pattern that finds any of words, longest first (継続調査 before 継続); None for no
    words. One search in C instead of a Python loop over the lexicon per text."""
    ordered = sorted((w for w in words if w), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None
