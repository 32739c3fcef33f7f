"""Japanese terms that read well: fugashi + UniDic, display forms, compounds, stopwords.

Counting happens under a normalized key (the UniDic lemma without its English gloss) while
the term is shown as written (proper nouns as spelled, やり取り not 遣り取り).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import fugashi

# unidic-lite's own output format (its dicrc): surface, pron, lForm, lemma, POS-joined, ...
_LEMMA, _POS = 3, 4
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


@dataclass(frozen=True)
class Part:
    """One morpheme of a noun run: how it reads inside a compound and on its own."""

    surface: str
    key: str
    display: str
    alone: bool  # kept as a term on its own
    starts: bool  # may start a compound (noun, prefix, adjectival noun: サイバー)
    ends: bool  # may end a compound (noun, nominal suffix: 経済圏)


@dataclass(frozen=True)
class Unit:
    """A candidate term: a word, or a run of nouns that may become a compound."""

    key: str
    display: str
    parts: tuple[Part, ...] = ()


def new_tagger() -> fugashi.Tagger:
    """One tagger per process: it is a resource, never pickled."""
    return fugashi.Tagger()


def dictionary_info(tagger: fugashi.Tagger) -> dict:
    """Name and version of the dictionary and the tagger, recorded with the tokens."""
    from importlib.metadata import version

    return {
        "dictionary": "unidic-lite",
        "dictionary_version": version("unidic-lite"),
        "dictionary_format_version": tagger.dictionary_info[0]["version"],
        "fugashi_version": version("fugashi"),
    }


def parse(tagger: fugashi.Tagger, text: str) -> list[Morpheme]:
    """Morphemes of a text, read from MeCab's own output string in one call.

    Building fugashi node objects and their feature tuples costs more than the analysis
    itself; splitting one string is cheap.
    """
    out: list[Morpheme] = []
    for line in tagger.parse(text).split("\n"):
        fields = line.split("\t")
        if len(fields) <= _POS:
            continue  # EOS or blank
        pos = fields[_POS].split("-")
        pos += ["*"] * (3 - len(pos))
        out.append(Morpheme(fields[0], pos[0], pos[1], pos[2], fields[_LEMMA] or fields[0]))
    return out


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


def _is_noun(m: Morpheme) -> bool:
    return m.pos1 == "名詞" and m.pos2 in ("普通名詞", "固有名詞") and m.pos3 != "副詞可能"


def _joins_compound(m: Morpheme) -> bool:
    if m.pos1 == "名詞":
        return _is_noun(m) or m.pos2 == "固有名詞"
    return m.pos1 == "接頭辞" or (m.pos1 == "接尾辞" and m.pos2 == "名詞的") or m.pos1 == "形状詞"


def _wanted(m: Morpheme, pos: frozenset[str]) -> bool:
    if m.pos1 == "名詞" and m.pos2 == "固有名詞":
        return "proper_noun" in pos or "noun" in pos
    if _is_noun(m):
        return "noun" in pos
    if m.pos1 == "動詞":
        return "verb" in pos and m.pos2 == "一般"
    if m.pos1 == "形容詞":
        return "adjective" in pos
    return False


@dataclass(frozen=True)
class TermFilter:
    """What never becomes a term: stopwords, roster names, numbers, symbols, lone kana."""

    stopwords: frozenset[str]
    min_chars: int = 1

    def keeps(self, key: str, display: str) -> bool:
        if key in self.stopwords or display in self.stopwords:
            return False
        if len(display) < self.min_chars or _LONE_KANA.match(display):
            return False
        if _NUMERIC.match(display) or not _HAS_WORD_CHAR.search(display):
            return False
        # A lone Latin letter is a redacted speaker (A 研究委員), not a topic.
        return not (len(display) == 1 and display.isascii())


def extract_units(
    morphemes: Sequence[Morpheme],
    pos: frozenset[str],
    term_filter: TermFilter,
    compounds: bool,
) -> list[Unit]:
    """Candidate terms of one document, in text order.

    With compounds on, each run of nouns (with prefixes and suffixes) becomes one Unit that
    remembers its parts; `resolve_terms` decides later, from corpus counts, how to cut it.
    A stopword noun breaks a run, so 岸先生 never becomes a term.
    """
    units: list[Unit] = []
    run: list[Part] = []

    def flush() -> None:
        if len(run) > 1 and any(p.starts for p in run) and any(p.ends for p in run):
            whole = "".join(p.surface for p in run)
            units.append(Unit(whole, whole, tuple(run)))
        else:
            units.extend(Unit(p.key, p.display) for p in run if p.alone)
        run.clear()

    for m in morphemes:
        key, display = term_key(m), term_display(m)
        kept = term_filter.keeps(key, display)
        # A stopword noun or suffix (先生, 氏, 等) ends the run: 中曽根氏 is 中曽根.
        if compounds and _joins_compound(m) and (kept or m.pos1 not in ("名詞", "接尾辞")):
            noun = m.pos1 == "名詞"
            starts = noun or m.pos1 in ("接頭辞", "形状詞")
            ends = noun or m.pos1 == "接尾辞"
            run.append(Part(m.surface, key, display, kept and _wanted(m, pos), starts, ends))
            continue
        flush()
        if kept and _wanted(m, pos):
            units.append(Unit(key, display))
    flush()
    return units


def _subruns(parts: Sequence[Part]) -> Iterable[tuple[int, int]]:
    """Spans (i, j) of two or more parts that may start and end a compound."""
    for i, first in enumerate(parts):
        if not first.starts:
            continue
        for j in range(i + 1, len(parts)):
            if parts[j].ends:
                yield i, j


def _join(parts: Sequence[Part]) -> str:
    return "".join(p.surface for p in parts)


def _cut_run(parts: tuple[Part, ...], counts: Counter, min_count: int) -> list[tuple[str, str]]:
    """Cut a run into its longest frequent sub-compounds, left to right; the rest as words."""
    if counts[_join(parts)] >= min_count and parts[0].starts and parts[-1].ends:
        whole = _join(parts)
        return [(whole, whole)]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(parts):
        best = None
        for j in range(len(parts) - 1, i, -1):
            if (j - i + 1) < len(parts) and parts[i].starts and parts[j].ends:
                if counts[_join(parts[i : j + 1])] >= min_count:
                    best = j
                    break
        if best is None:
            # A lone kanji cut from a compound (産 of 産学官連携) is a fragment, not a term.
            if parts[i].alone and len(parts[i].display) > 1:
                out.append((parts[i].key, parts[i].display))
            i += 1
        else:
            text = _join(parts[i : best + 1])
            out.append((text, text))
            i = best + 1
    return out


def resolve_terms(
    docs_units: Iterable[list[Unit]],
    compound_min_count: int,
    keep_phrases: frozenset[str] = frozenset(),
) -> list[list[str]]:
    """Final terms per document: each noun run cut into compounds the corpus repeats
    (a run seen fewer than `compound_min_count` times is cut into frequent sub-runs or
    words), and each key shown in its most frequent spelling.
    """
    docs_units = list(docs_units)
    counts: Counter = Counter()
    for units in docs_units:
        for u in units:
            if u.parts:
                counts.update({_join(u.parts[i : j + 1]) for i, j in _subruns(u.parts)})
    keyed: list[list[tuple[str, str]]] = []
    for units in docs_units:
        terms: list[tuple[str, str]] = []
        for u in units:
            if not u.parts or u.key in keep_phrases:
                terms.append((u.key, u.display))
            else:
                terms.extend(_cut_run(u.parts, counts, compound_min_count))
        keyed.append(terms)
    shown: dict[str, Counter] = {}
    for terms in keyed:
        for key, display in terms:
            shown.setdefault(key, Counter())[display] += 1
    # Most frequent spelling wins; ties go to the earliest in sort order, for stable output.
    best = {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in shown.items()}
    return [[best[k] for k, _ in terms] for terms in keyed]


def protect_phrases(text: str, phrases: Iterable[str]) -> list[tuple[str, bool]]:
    """Split text around phrases that must stay whole; True marks a kept phrase."""
    phrases = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not phrases:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(p) for p in phrases))
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


@lru_cache(maxsize=1)
def shipped_stopwords() -> frozenset[str]:
    """The stopword list shipped for spoken Japanese meetings."""
    text = resources.files("pipeline.resources").joinpath("stopwords_ja_meeting.txt")
    return parse_stopwords(text.read_text(encoding="utf-8"))


def parse_stopwords(text: str) -> frozenset[str]:
    """One word per line; blank lines and # comments ignored; NFKC applied."""
    words = (unicodedata.normalize("NFKC", line).strip() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def tokenize_documents(
    texts: Sequence[str],
    *,
    pos: Iterable[str],
    stopwords: frozenset[str],
    compounds: bool = True,
    compound_min_count: int = 2,
    keep_phrases: Iterable[str] = (),
    min_chars: int = 1,
    tagger: fugashi.Tagger | None = None,
) -> list[list[str]]:
    """Terms of every document, as the reader sees them."""
    tagger = tagger or new_tagger()
    keep = frozenset(unicodedata.normalize("NFKC", p) for p in keep_phrases)
    term_filter = TermFilter(stopwords, min_chars)
    wanted = frozenset(pos)
    docs_units: list[list[Unit]] = []
    for text in texts:
        units: list[Unit] = []
        for piece, is_phrase in protect_phrases(text, keep):
            if is_phrase:
                units.append(Unit(piece, piece))
            else:
                units.extend(extract_units(parse(tagger, piece), wanted, term_filter, compounds))
        docs_units.append(units)
    return resolve_terms(docs_units, compound_min_count, keep)
