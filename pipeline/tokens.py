"""Japanese terms that read well: fugashi + UniDic, display forms, compounds, stopwords.

Counting happens under a normalized key (the UniDic lemma without its English gloss) while
the term is shown as written (proper nouns as spelled, やり取り not 遣り取り).

Speed: MeCab prints only the five fields we read, and each distinct output line is
classified once and then looked up, so the Python work per token is one dict lookup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import fugashi

from pipeline.compounds import (
    Part,
    Unit,
    UnitTable,
    close_run,
    word,
)

_LONE_KANA = re.compile(r"^[\u3040-\u30ffー]$")
_HAS_WORD_CHAR = re.compile(r"[\w]")
_NUMERIC = re.compile(r"^[\d０-９.,．，%％〇一二三四五六七八九十百千万億兆]+$")
# The fast pass prints each token's surface and MeCab context ids: cheaper to format than
# features (MeCab re-splits the feature CSV for every %f[i]), and in UniDic the triple
# (surface, left id, right id) names one dictionary entry. Features, the lemma included, are
# looked up once per distinct triple with the full format.
_FAST = r"--output-format-type= -F%m\\t%phl\\t%phr\\n -U%m\\t%phl\\t%phr\\n -E\\n"
_FULL = (r"--output-format-type= -F%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[7]\\n"
         r" -U%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\t%m\\n -E\\n")
PARALLEL_MIN_CHARS = 200_000  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class Morpheme:
    """The UniDic fields a term is built from."""

    surface: str
    pos1: str
    pos2: str
    pos3: str
    lemma: str


class Analyzer:
    """MeCab with unidic-lite: a fast pass for every token, full features per new word.

    One per process: a tagger is a resource, never pickled.
    """

    def __init__(self) -> None:
        import unidic_lite

        folder = unidic_lite.DICDIR
        base = f'-d "{folder}" -r "{folder}/mecabrc"'
        self.fast = fugashi.GenericTagger(f"{base} {_FAST}")
        self.full = fugashi.GenericTagger(f"{base} {_FULL}")
        self.dictionary_info = self.full.dictionary_info

    def lines(self, text: str) -> list[str]:
        """One `surface<TAB>left id<TAB>right id` line per token; '' ends a sentence."""
        return self.fast.parse(text).split("\n")

    def morphemes(self, text: str, only: set[str] | None = None) -> dict[str, Morpheme]:
        """Full features of the token lines of `text` (or of those in `only`), keyed by their
        fast-pass line."""
        found: dict[str, Morpheme] = {}
        for full in self.full.parse(text).split("\n"):
            fields = full.split("\t")
            if len(fields) == 7:
                line = "\t".join(fields[:3])
                if only is None or line in only:
                    surface, _, _, pos1, pos2, pos3, lemma = fields
                    found[line] = Morpheme(surface, pos1, pos2 or "*", pos3 or "*",
                                           lemma or surface)
        return found


def new_tagger() -> Analyzer:
    """The analyzer a process uses (kept name: callers pass it as `tagger`)."""
    return Analyzer()


def dictionary_info(tagger: Analyzer) -> dict:
    """Name and version of the dictionary and the tagger, recorded with the tokens."""
    from importlib.metadata import version

    return {
        "dictionary": "unidic-lite",
        "dictionary_version": version("unidic-lite"),
        "dictionary_format_version": tagger.dictionary_info[0]["version"],
        "fugashi_version": version("fugashi"),
    }


def parse(tagger: Analyzer, text: str) -> list[Morpheme]:
    """Morphemes of a text (for inspection and tests; the pipeline uses Extractor.units)."""
    found = tagger.morphemes(text)
    return [found[line] for line in tagger.lines(text) if line in found]


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


# What one morpheme does in term extraction, worked out once per distinct MeCab line:
# (_DROP, None, None); (_WORD, Unit, None) to stand alone as a term; or (_JOIN, Part, Unit)
# to join a noun run, with the Unit it becomes if the run turns out to be just itself.
_DROP, _JOIN, _WORD = 0, 1, 2
Role = tuple[int, Part | Unit | None, Unit | None]


class Extractor:
    """Candidate terms of documents, with a per-morpheme cache of decisions."""

    def __init__(self, pos: Iterable[str], term_filter: TermFilter, compounds: bool):
        self.pos = frozenset(pos)
        self.term_filter = term_filter
        self.compounds = compounds
        # Per distinct MeCab line: (_DROP, None, -1), (_WORD, unit index, -1) or
        # (_JOIN, Part, index of the unit it is alone or -1); see `role`.
        self._id_roles: dict[str, tuple[int, object, int]] = {}
        self.table = UnitTable()  # every candidate term met so far, numbered
        self._runs: dict[tuple[Part, ...], tuple[int, ...]] = {}

    def role(self, m: Morpheme | None) -> Role:
        """Whether a morpheme joins a noun run, stands alone as a term, or is dropped."""
        if m is None:
            return _DROP, None, None
        key, display = term_key(m), term_display(m)
        kept = self.term_filter.keeps(key, display)
        wanted = kept and _wanted(m, self.pos)
        # A stopword noun or suffix (先生, 氏, 等) ends the run: 中曽根氏 is 中曽根.
        if self.compounds and _joins_compound(m) and (kept or m.pos1 not in ("名詞", "接尾辞")):
            noun = m.pos1 == "名詞"
            part = (m.surface, key, display, wanted,
                    noun or m.pos1 in ("接頭辞", "形状詞"), noun or m.pos1 == "接尾辞")
            return _JOIN, part, word(key, display) if wanted else None
        return (_WORD, word(key, display), None) if wanted else (_DROP, None, None)

    def units(self, tagger: Analyzer, text: str) -> list[Unit]:
        """Candidate terms of one text, in order; noun runs come as Units with parts."""
        units = self.table.units
        return [units[i] for i in self.unit_ids(tagger, text)]

    def unit_ids(self, tagger: Analyzer, text: str) -> list[int]:
        """The same candidate terms as indices into `self.table` (what workers send on)."""
        # The hot path of the pipeline: one C-level dict lookup per token, decisions made
        # once per distinct token line, and plain ints out.
        roles = self._id_roles
        lines = tagger.lines(text)
        try:
            return self._assemble_ids(map(roles.__getitem__, lines))
        except KeyError:  # a word not seen before: learn this text's new words, then redo
            self._learn(tagger, text, {line for line in lines if line not in roles})
            return self._assemble_ids(map(roles.__getitem__, lines))

    def unit_ids_many(self, tagger: Analyzer, texts: Sequence[str]) -> list[list[int]]:
        """unit_ids of several texts: their new words are learned in one go, before any
        text is assembled (cheaper than stopping at each text's first new word)."""
        roles = self._id_roles
        all_lines = [tagger.lines(text) for text in texts]
        new: set[str] = set()
        for lines in all_lines:
            new.update(lines)
        new.difference_update(roles.keys())
        if new:
            found = tagger.morphemes(" ".join(sorted({n.split("\t", 1)[0] for n in new if n})),
                                     new)
            missing = {n for n in new if n and n not in found}
            for text, lines in zip(texts, all_lines, strict=True):
                if not missing:
                    break
                if not missing.isdisjoint(lines):
                    more = tagger.morphemes(text, missing)
                    found.update(more)
                    missing.difference_update(more)
            self._decide(new, found)
        return [self._assemble_ids(map(roles.__getitem__, lines)) for lines in all_lines]

    def _learn(self, tagger: Analyzer, text: str, new: set[str]) -> None:
        """Decide the role of token lines not seen before.

        The new words are analysed together, spaced apart, in one full-feature pass: most
        come out as the same dictionary entries (same surface and context ids), and only
        those are taken. The rest are read in a full-feature pass over the text itself (the
        two passes share one dictionary and cost model, so they cut the text alike).
        """
        words = sorted({line.split("\t", 1)[0] for line in new if line})
        found = tagger.morphemes(" ".join(words), new) if words else {}
        if any(line and line not in found for line in new):
            found.update(tagger.morphemes(text, new))
        self._decide(new, found)

    def _decide(self, new: Iterable[str], found: dict[str, Morpheme]) -> None:
        for line in new:
            kind, item, single = self.role(found.get(line))
            if kind == _WORD:
                self._id_roles[line] = (kind, self.table.intern(item), -1)
            else:
                self._id_roles[line] = (kind, item, -1 if single is None
                                        else self.table.intern(single))

    def _assemble_ids(self, decided: Iterable[tuple[int, object, int]]) -> list[int]:
        """Unit indices from the tokens' roles, in order: a run of joining parts closes at
        the first token that does not join, as one compound candidate or its words."""
        ids: list[int] = []
        append = ids.append
        run: list[Part] = []
        alone = -1
        for kind, item, single in decided:
            if kind == _JOIN:
                run.append(item)
                alone = single
                continue
            if run:
                if len(run) == 1:  # most runs: one noun, no compound to consider
                    if alone >= 0:
                        append(alone)
                else:
                    ids.extend(self._run_ids(tuple(run)))
                run = []
            if kind == _WORD:
                append(item)
        if len(run) == 1:
            if alone >= 0:
                append(alone)
        elif run:
            ids.extend(self._run_ids(tuple(run)))
        return ids

    def _run_ids(self, run: tuple[Part, ...]) -> tuple[int, ...]:
        ids = self._runs.get(run)
        if ids is None:
            ids = self._runs[run] = tuple(map(self.table.intern, close_run(run)))
        return ids


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


def text_units(tagger: Analyzer, extractor: Extractor, keep: frozenset[str],
               text: str) -> list[Unit]:
    """Candidate terms of one text, with `keep` phrases cut out first as whole terms."""
    units = extractor.table.units
    return [units[i] for i in text_unit_ids(tagger, extractor, keep, text)]


def text_unit_ids(tagger: Analyzer, extractor: Extractor, keep: frozenset[str],
                  text: str) -> list[int]:
    """text_units as indices into extractor.table."""
    if not keep:
        return extractor.unit_ids(tagger, text)
    ids: list[int] = []
    for piece, is_phrase in protect_phrases(text, keep):
        ids.extend([extractor.table.intern(word(piece, piece))] if is_phrase
                   else extractor.unit_ids(tagger, piece))
    return ids


def join_collocations(docs: list[list[str]], min_count: int, threshold: float) -> list[list[str]]:
    """Join adjacent term pairs the corpus uses together more than chance (gensim Phrases).

    Japanese terms join without a delimiter, as a reader writes them (データ + 流通 → データ流通).
    """
    from gensim.models.phrases import Phrases

    # gensim needs a non-empty delimiter: use a control character no term contains, then drop it.
    glue = "\x1f"
    phrases = Phrases(docs, min_count=min_count, threshold=threshold, scoring="npmi",
                      delimiter=glue).freeze()
    return [[term.replace(glue, "") for term in phrases[doc]] for doc in docs]


def tokenize_documents(
    texts: Sequence[str],
    *,
    pos: Iterable[str],
    stopwords: frozenset[str],
    compounds: bool = True,
    compound_min_count: int = 2,
    keep_phrases: Iterable[str] = (),
    min_chars: int = 1,
    tagger: Analyzer | None = None,
    n_jobs: int = 1,
) -> list[list[str]]:
    """Terms of every document, as the reader sees them; the same for any n_jobs.

    With n_jobs > 1 and a large input, chunks of documents are analysed in worker processes
    (each with its own tagger); compounds are then decided over the corpus.
    """
    from pipeline.compute import LocalExecutor
    from pipeline.token_units import (
        TokenSettings,
        chunk_texts,
        corpus_terms,
        gc_paused,
        tokenize_chunks,
    )

    settings = TokenSettings.make(pos, stopwords, compounds, min_chars, keep_phrases)
    chunks = chunk_texts(texts)
    ex = None
    if n_jobs != 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS:
        ex = LocalExecutor(n_jobs)
    with gc_paused():
        try:
            corpus = tokenize_chunks(chunks, settings, ex, tagger=tagger)
        finally:
            if ex is not None:
                ex.close()
        return list(corpus_terms(corpus, compound_min_count, settings.keep))
