"""Japanese terms that read well: fugashi + UniDic, display forms, compounds, stopwords.

Counting happens under a normalized key (the UniDic lemma without its English gloss) while
the term is shown as written (proper nouns as spelled, やり取り not 遣り取り).

Speed: MeCab prints only each token's surface and context ids; each distinct such line is
classified once (its features read from the new words parsed alone, not from the texts
again), numbered, and a chunk of documents is then assembled from those numbers with numpy.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, count, islice

import fugashi
import numpy as np

from pipeline.tokenize.compounds import (
    Part,
    Unit,
    UnitTable,
    close_run,
    word,
)

_HIRAGANA = re.compile(r"[\u3040-\u309fー]+")
_LONE_KANA = re.compile(r"^[\u3040-\u30ffー]$")
_HAS_WORD_CHAR = re.compile(r"[\w]")
_NUMERIC = re.compile(r"^[\d０-９.,．，%％〇一二三四五六七八九十百千万億兆]+$")
# The fast pass prints each token's surface and MeCab context ids: cheaper to format than
# features (MeCab re-splits the feature CSV for every %f[i]). Features, the lemma included,
# are read once per distinct line.
_FAST = r"--output-format-type= -F%m\\t%phl\\t%phr\\n -U%m\\t%phl\\t%phr\\n -E\\n"
_FULL = (r"--output-format-type= -F%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[7]\\n"
         r" -U%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\t%m\\n -E\\n")
# Every node of the lattice (-a), with its word cost: the dictionary entries of new words.
_EVERY = (r"--output-format-type= -a -F%m\\t%phl\\t%phr\\t%c\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[7]\\n"
          r" -U%m\\t%phl\\t%phr\\t%c\\t%f[0]\\t%f[1]\\t%f[2]\\t%m\\n -E\\n")
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
    """MeCab with unidic-lite: a fast pass for every token, features once per new word.

    One per process: a tagger is a resource, never pickled.
    """

    def __init__(self) -> None:
        import unidic_lite

        folder = unidic_lite.DICDIR
        base = f'-d "{folder}" -r "{folder}/mecabrc"'
        self.fast = fugashi.GenericTagger(f"{base} {_FAST}")
        self.full = fugashi.GenericTagger(f"{base} {_FULL}")
        self.every = fugashi.GenericTagger(f"{base} {_EVERY}")
        self.dictionary_info = self.full.dictionary_info

    def lines(self, text: str) -> list[str]:
        """One `surface<TAB>left id<TAB>right id` line per token."""
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
                    found[line] = _morpheme(fields[0], *fields[3:])
        return found

    def entries(self, lines: set[str]) -> dict[str, Morpheme]:
        """Full features of fast-pass lines, without their texts.

        A line (surface, left id, right id) names what MeCab chose in context: among the
        dictionary entries of that surface with these context ids, the lowest word cost
        (the connection costs are the same), the last one in the lattice on a tie. Most
        lines come out the same when their surfaces are parsed alone, spaced apart; the
        rest are read from the lattice of their surfaces (every node, -a), which holds
        every entry whatever context it came from.
        """
        surfaces = sorted({line.split("\t", 1)[0] for line in lines if line})
        found: dict[str, Morpheme] = {}
        for batch in _batches(surfaces):
            found.update(self.morphemes(" ".join(batch), lines))
        rest = sorted({line.split("\t", 1)[0] for line in lines if line and line not in found})
        best: dict[str, tuple[int, list[str]]] = {}
        for batch in _batches(rest):
            for node in self.every.parse(" ".join(batch)).split("\n"):
                fields = node.rsplit("\t", 5)
                if len(fields) == 6 and fields[0] in lines and fields[0] not in found:
                    cost = int(fields[1])
                    held = best.get(fields[0])
                    if held is None or cost <= held[0]:
                        best[fields[0]] = (cost, fields)
        for line, (_, fields) in best.items():
            found[line] = _morpheme(line.split("\t", 1)[0], *fields[2:])
        return found


def _morpheme(surface: str, pos1: str, pos2: str, pos3: str, lemma: str) -> Morpheme:
    # MeCab leaves a '*' field empty in our formats, and an unknown word has no lemma.
    return Morpheme(surface, pos1, pos2 or "*", pos3 or "*", lemma or surface)


_URL = re.compile(r"(?:https?://|www\.)[!-~]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
# MeCab drops white space, so Latin words a space apart would join one noun run
# (smaxjp on Twitter -> smaxjponTwitter); a middle dot between them keeps them apart.
_LATIN_SPACE = re.compile(r"(?<=[A-Za-z0-9])[ \t\u3000]+(?=[A-Za-z0-9])")


def text_for_terms(text: str) -> str:
    """The text terms are read from: addresses (URLs, e-mail) left out, since their pieces
    (https, com, id) are not words, and Latin words kept apart."""
    return _LATIN_SPACE.sub("・", _URL.sub(" ", text))


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


def _batches(words: list[str], size: int = 500) -> Iterator[list[str]]:
    # MeCab is slower per character on one very long input than on a few hundred words.
    for start in range(0, len(words), size):
        yield words[start : start + size]


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
    if m.pos3 == "人名" and _HIRAGANA.fullmatch(m.surface):
        return False  # はつ of はつきり (old spelling of はっきり), read as a given name
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
        self.table = UnitTable()  # every candidate term met so far, numbered
        # Every distinct MeCab line met gets the next code, in C (no Python call per token).
        self._codes: defaultdict[str, int] = defaultdict(count().__next__)
        # Per code: its role, its unit (a word's, or a joining part's when alone; -1 for
        # none) and its Part if it joins runs.
        self._role_of = np.zeros(0, np.int8)
        self._unit_of = np.zeros(0, np.int32)
        self._part_of: list[Part | None] = []
        self._runs: dict[tuple[int, ...], tuple[int, ...]] = {}

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
        return [units[i] for i in self.chunk_ids(tagger, [text])[0].tolist()]

    def chunk_ids(self, tagger: Analyzer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Candidate terms of several texts: indices into `self.table` for all texts in a
        row (int32), and how many belong to each text."""
        # The hot path of the pipeline: per token, MeCab's output line and one C-level dict
        # lookup; the rest is numpy over the chunk.
        all_lines = [tagger.lines(text) for text in texts]
        sizes = np.fromiter(map(len, all_lines), np.int64, count=len(all_lines))
        known = len(self._codes)
        codes = np.fromiter(map(self._codes.__getitem__, chain.from_iterable(all_lines)),
                            np.int32, count=int(sizes.sum()))
        if len(self._codes) > known:
            new = list(islice(reversed(self._codes), len(self._codes) - known))[::-1]
            try:
                self._learn(tagger, new, texts, all_lines)
            except BaseException:
                # Codes without roles would shift every later lookup: forget these lines,
                # so that the next call learns them again (an interrupted notebook cell, a
                # failed task in a process that goes on).
                for line in new:
                    del self._codes[line]
                self._codes.default_factory = count(known).__next__
                del self._part_of[known:]
                raise
        return self._assemble(codes, sizes)

    def _learn(self, tagger: Analyzer, new: list[str], texts: Sequence[str],
               all_lines: Sequence[list[str]]) -> None:
        """Decide the roles of lines not seen before, in code order."""
        wanted = set(new)
        found = tagger.entries(wanted)
        missing = {line for line in wanted if line and line not in found}
        # Never expected (every entry is in its surface's lattice), but a text's own parse
        # is the authority, so a line not found alone is read from it.
        for text, lines in zip(texts, all_lines, strict=True):
            if not missing:
                break
            if not missing.isdisjoint(lines):
                more = tagger.morphemes(text, missing)
                found.update(more)
                missing.difference_update(more)
        roles = np.empty(len(new), np.int8)
        units = np.empty(len(new), np.int32)
        parts: list[Part | None] = []
        for i, line in enumerate(new):
            kind, item, single = self.role(found.get(line))
            roles[i] = kind
            parts.append(item if kind == _JOIN else None)
            unit = item if kind == _WORD else single
            units[i] = -1 if unit is None else self.table.intern(unit)
        # Appended only once all are decided: a failure leaves the tables as they were.
        self._role_of = np.concatenate([self._role_of, roles])
        self._unit_of = np.concatenate([self._unit_of, units])
        self._part_of.extend(parts)

    def _assemble(self, codes: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit indices from the tokens' codes, in order: a run of joining parts (never
        across texts) becomes one compound candidate or its words; a run of one part is that
        part's word, if it is kept alone."""
        kind = self._role_of[codes]
        value = self._unit_of[codes]
        joins = kind == _JOIN
        n = len(codes)
        ends = np.cumsum(sizes)
        text_starts = ends - sizes
        # A run starts at a joining token whose predecessor does not join or is in another
        # text, and ends likewise before its successor.
        opens = np.ones(n, dtype=bool)
        opens[1:] = ~joins[:-1]
        opens[text_starts[text_starts < n]] = True
        run_start = np.flatnonzero(joins & opens)
        closes = np.ones(n, dtype=bool)
        closes[:-1] = ~joins[1:]
        closes[ends[(ends > 0) & (ends <= n)] - 1] = True
        run_end = np.flatnonzero(joins & closes) + 1
        single = run_end - run_start == 1
        # Words and one-part runs: one unit (or none) at their position.
        positions = np.concatenate([np.flatnonzero(kind == _WORD), run_start[single]])
        values = value[positions]
        kept = values >= 0
        positions, values = positions[kept], values[kept]
        # Runs of two or more: their units, all at the run's first position.
        multi_start, multi_end = run_start[~single].tolist(), run_end[~single].tolist()
        if multi_start:
            code_list = codes.tolist()
            runs = self._runs
            per_run = []
            for start, end in zip(multi_start, multi_end, strict=True):
                key = tuple(code_list[start:end])
                ids = runs.get(key)
                if ids is None:
                    parts = tuple(self._part_of[c] for c in key)
                    ids = runs[key] = tuple(map(self.table.intern, close_run(parts)))
                per_run.append(ids)
            counts = np.fromiter(map(len, per_run), np.int64, count=len(per_run))
            positions = np.concatenate([positions, np.repeat(multi_start, counts)])
            values = np.concatenate([values, np.fromiter(chain.from_iterable(per_run),
                                                         np.int32, count=int(counts.sum()))])
        # Stable: a run's units keep their order at their shared position.
        order = np.argsort(positions, kind="stable")
        positions, values = positions[order], values[order]
        lengths = np.diff(np.searchsorted(positions, ends), prepend=0).astype(np.int32)
        return values, lengths


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
    text = resources.files("pipeline.tokenize.resources").joinpath("stopwords_ja_meeting.txt")
    return parse_stopwords(text.read_text(encoding="utf-8"))


def parse_stopwords(text: str) -> frozenset[str]:
    """One word per line; blank lines and # comments ignored; NFKC applied."""
    words = (unicodedata.normalize("NFKC", line).strip() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def chunk_unit_ids(tagger: Analyzer, extractor: Extractor, keep: frozenset[str],
                   texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Extractor.chunk_ids, with `keep` phrases cut out of the texts first as whole terms."""
    if not keep:
        return extractor.chunk_ids(tagger, texts)
    pieces = [protect_phrases(text, keep) for text in texts]
    ids, lengths = extractor.chunk_ids(
        tagger, [piece for text in pieces for piece, is_phrase in text if not is_phrase])
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    ids_list = ids.tolist()
    out: list[int] = []
    out_lengths: list[int] = []
    k = 0
    for text_pieces in pieces:
        size = len(out)
        for piece, is_phrase in text_pieces:
            if is_phrase:
                out.append(extractor.table.intern(word(piece, piece)))
            else:
                out.extend(ids_list[bounds[k] : bounds[k + 1]])
                k += 1
        out_lengths.append(len(out) - size)
    return np.array(out, dtype=np.int32), np.array(out_lengths, dtype=np.int32)


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
    from pipeline.common.compute import LocalExecutor
    from pipeline.tokenize.units import (
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
