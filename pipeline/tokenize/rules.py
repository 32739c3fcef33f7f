"""The rules of what becomes a term: the one module a linguist edits.

Which parts of speech are kept, when a morpheme joins a noun run (安全+保障 → 安全保障), which
words never become terms (stopwords, numbers, symbols, lone kana), the form a term is counted
under and the form it is shown in, and which text is read at all (no URLs). Nothing here
knows about speed: pipeline/tokenize/extract.py asks `decide` once per distinct MeCab line
and caches the answer. (Changing this file changes the token cache's key, so a rerun
tokenizes again.)

Counting happens under a normalized key (the UniDic lemma without its English gloss) while
the term is shown as written (proper nouns as spelled, やり取り not 遣り取り).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import fugashi

from pipeline.tokenize.compounds import Part, Unit, word

_HIRAGANA = re.compile(r"[\u3040-\u309fー]+")
_LONE_KANA = re.compile(r"^[\u3040-\u30ffー]$")
_HAS_WORD_CHAR = re.compile(r"[\w]")
_NUMERIC = re.compile(r"^[\d０-９.,．，%％〇一二三四五六七八九十百千万億兆]+$")


@dataclass(frozen=True)
class Morpheme:
    """The UniDic fields a term is built from."""

    surface: str
    pos1: str
    pos2: str
    pos3: str
    lemma: str


def term_key(m: Morpheme) -> str:
    """The normalized key a morpheme is counted under: the lemma without its gloss."""
    if m.pos2 == "固有名詞":
        return m.surface  # UniDic gives a reading as the lemma of many names
    return m.lemma.split("-", 1)[0]


def term_display(m: Morpheme) -> str:
    """The form a reader expects: a noun as written (nouns do not inflect), else the lemma."""
    if m.pos1 == "名詞" or m.pos1 == "形状詞":
        return m.surface
    return m.lemma.split("-", 1)[0]


def is_noun(m: Morpheme) -> bool:
    """A common or proper noun that can name a subject (not 副詞可能 like 今回)."""
    return m.pos1 == "名詞" and m.pos2 in ("普通名詞", "固有名詞") and m.pos3 != "副詞可能"


def joins_compound(m: Morpheme) -> bool:
    """Whether a morpheme may be part of a noun run: nouns, prefixes, nominal suffixes,
    adjectival nouns (サイバー)."""
    if m.pos1 == "名詞":
        return is_noun(m) or m.pos2 == "固有名詞"
    return m.pos1 == "接頭辞" or (m.pos1 == "接尾辞" and m.pos2 == "名詞的") or m.pos1 == "形状詞"


def wanted(m: Morpheme, pos: frozenset[str]) -> bool:
    """Whether a morpheme of these parts of speech (tokens.pos) is a term on its own."""
    if m.pos3 == "人名" and _HIRAGANA.fullmatch(m.surface):
        return False  # はつ of はつきり (old spelling of はっきり), read as a given name
    if m.pos1 == "名詞" and m.pos2 == "固有名詞":
        return "proper_noun" in pos or "noun" in pos
    if is_noun(m):
        return "noun" in pos
    if m.pos1 == "動詞":
        return "verb" in pos and m.pos2 == "一般"
    if m.pos1 == "形容詞":
        return "adjective" in pos
    return False


def may_be_term(pos1: str, pos: frozenset[str]) -> bool:
    """False if a morpheme of this major part of speech is dropped whatever its other
    features (`decide` gives DROP): it neither joins a noun run nor is wanted alone. Lets
    the extractor skip reading the features of such words (particles, adverbs, and verbs
    and adjectives unless tokens.pos asks for them); must agree with joins_compound and
    wanted (tested on real minutes)."""
    if pos1 in ("名詞", "接頭辞", "接尾辞", "形状詞"):
        return True
    return (pos1 == "動詞" and "verb" in pos) or (pos1 == "形容詞" and "adjective" in pos)


@dataclass(frozen=True)
class TermFilter:
    """What never becomes a term: stopwords, roster names, numbers, symbols, lone kana."""

    stopwords: frozenset[str]
    min_chars: int = 1

    def keeps(self, key: str, display: str) -> bool:
        """Whether a term of this key and display form may be kept."""
        if key in self.stopwords or display in self.stopwords:
            return False
        if len(display) < self.min_chars or _LONE_KANA.match(display):
            return False
        if _NUMERIC.match(display) or not _HAS_WORD_CHAR.search(display):
            return False
        # A lone Latin letter is a redacted speaker (A 研究委員), not a topic.
        return not (len(display) == 1 and display.isascii())


class Role(IntEnum):
    """What one morpheme does in term extraction (stored as int8 per distinct MeCab line)."""

    DROP = 0  # never a term, and ends any noun run
    JOIN = 1  # part of a noun run
    WORD = 2  # a term on its own


class Decision(NamedTuple):
    """A morpheme's role, the Part it adds to a run (JOIN) and the Unit it is alone
    (WORD; or JOIN when the run turns out to be just this part and it is kept alone)."""

    role: Role
    part: Part | None = None
    unit: Unit | None = None


DROPPED = Decision(Role.DROP)


def decide(m: Morpheme | None, pos: frozenset[str], term_filter: TermFilter,
           compounds: bool) -> Decision:
    """Whether a morpheme joins a noun run, stands alone as a term, or is dropped."""
    if m is None:
        return DROPPED
    key, display = term_key(m), term_display(m)
    kept = term_filter.keeps(key, display)
    alone = kept and wanted(m, pos)
    # A stopword noun or suffix (先生, 氏, 等) ends the run: 中曽根氏 is 中曽根.
    if compounds and joins_compound(m) and (kept or m.pos1 not in ("名詞", "接尾辞")):
        noun = m.pos1 == "名詞"
        part = (m.surface, key, display, alone,
                noun or m.pos1 in ("接頭辞", "形状詞"), noun or m.pos1 == "接尾辞")
        return Decision(Role.JOIN, part, word(key, display) if alone else None)
    return Decision(Role.WORD, None, word(key, display)) if alone else DROPPED


_URL = re.compile(r"(?:https?://|www\.)[!-~]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
# MeCab drops white space, so Latin words a space apart would join one noun run
# (smaxjp on Twitter -> smaxjponTwitter); a middle dot between them keeps them apart.
_LATIN_SPACE = re.compile(r"(?<=[A-Za-z0-9])[ \t\u3000]+(?=[A-Za-z0-9])")


def text_for_terms(text: str) -> str:
    """The text terms are read from: addresses (URLs, e-mail) left out, since their pieces
    (https, com, id) are not words, and Latin words kept apart."""
    # Each pattern needs one of these characters: checking first skips the slow search (a
    # lookbehind at every position) on most texts.
    if "@" in text or "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if " " in text or "\t" in text or "\u3000" in text:
        text = _LATIN_SPACE.sub("・", text)
    return text


@lru_cache(maxsize=1)
def shipped_stopwords() -> frozenset[str]:
    """The stopword list shipped for spoken Japanese meetings."""
    text = resources.files("pipeline.tokenize.resources").joinpath("stopwords_ja_meeting.txt")
    return parse_stopwords(text.read_text(encoding="utf-8"))


def parse_stopwords(text: str) -> frozenset[str]:
    """One word per line; blank lines and # comments ignored; NFKC applied."""
    words = (unicodedata.normalize("NFKC", line).strip() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def name_parts(names: Iterable[str]) -> set[str]:
    """Words that spell people's names, from their full names: the surname (what comes before
    the given name UniDic finds: 盛山 of 盛山正仁, so 盛山文部科学大臣 loses the person) and
    the given name, and a name without a first character UniDic took for a symbol (川 of
    川松真一朗)."""
    tagger = fugashi.Tagger()  # full UniDic features (姓 / 名), for a few hundred names
    out: set[str] = set()
    for name in names:
        words = [(w.surface, w.feature.pos1, w.feature.pos4) for w in tagger(name)]
        if not words:
            continue
        if words[0][1] in ("記号", "補助記号") and len(name) > 2:
            out.add(name[len(words[0][0]):])
        given = next((i for i, w in enumerate(words) if w[2] == "名" and i > 0), None)
        if given is not None:
            out.update(("".join(w[0] for w in words[:given]),
                        "".join(w[0] for w in words[given:])))
        out.update(w[0] for w in words if w[2] == "姓")
    return {w for w in out if w}


def roster_names(roster: Iterable[dict], roles: Iterable[str]) -> frozenset[str]:
    """The corpus's own speaker names, labels and roles, and the parts of full names: never
    topic terms (dropped after the cache, so new speakers leave other meetings' entries)."""
    roster = list(roster)
    words = set(roles)
    for entry in roster:
        words.update(v for v in entry.values() if v)
    return frozenset(words | name_parts({e["speaker"] for e in roster}))
