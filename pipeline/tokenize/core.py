"""The tokenizer's one entry point: documents -> terms per document, with their counts.

    result = tokenize_corpus(documents, roster, config.tokens, ExtraWords(user_stopwords),
                             TokenizeRun(ex, cache_dir))
    write_jsonl(path, result.records()); write_metrics(path, result.metrics())

What becomes a term is decided in pipeline/tokenize/rules.py (and compounds.py); this module
only wires the steps: boilerplate found over the corpus, meetings tokenized through the cache
and the chunks (meetings.py), compounds cut and speaker names dropped over the whole corpus
(chunks.corpus_terms), collocations, procedural documents marked.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pipeline.common.compute import Executor, SerialExecutor
from pipeline.common.config import TokensConfig
from pipeline.common.paths import without_absolute_paths
from pipeline.ingest.speaker_labels import ROLES
from pipeline.tokenize.analyzer import Analyzer
from pipeline.tokenize.boilerplate import Boilerplate, find_boilerplate
from pipeline.tokenize.cache import TokenCache
from pipeline.tokenize.chunks import TokenSettings, Worker, corpus_terms, gc_paused
from pipeline.tokenize.collocations import join_collocations
from pipeline.tokenize.meetings import MeetingAssembly, TokenizedMeetings
from pipeline.tokenize.procedure import ProcedureTerms, is_procedural_document, procedure_lexicon
from pipeline.tokenize.rules import roster_names, shipped_stopwords, text_for_terms

PARALLEL_MIN_CHARS = 200_000  # below this, starting worker processes costs more than it saves
# Above this, the corpus's units go to disk from the start (TokenizeRun.held_units 0): held
# in memory up to unit_store.IN_MEMORY_UNITS and then moved, they leave the memory they took
# to Python for the rest of the run (about 110 MB more in the stage's process at 100M).
# 30M characters of minutes have 200k units, 9M of news-like text 146k.
HELD_UNITS_MAX_CHARS = 40_000_000


class DocRef(NamedTuple):
    """What a document's token record carries besides its terms."""

    doc_id: str
    weight: float
    meeting: str


def _as_is(items: Iterator) -> Iterator:
    return items


class DocRefs:
    """Every document's DocRef, in order, kept in a temporary file rather than in memory (a
    corpus of millions of documents held each one's id and meeting as Python objects until
    its records were written); read back once, in the same order, by `TokenizedCorpus`."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # removed when closed, also on a crash
        self._n = 0

    def append(self, ref: DocRef) -> None:
        self._file.write(json.dumps(ref, ensure_ascii=False).encode("utf-8") + b"\n")
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[DocRef]:
        self._file.seek(0)
        for line in self._file:
            yield DocRef(*json.loads(line))


@dataclass(frozen=True)
class ExtraWords:
    """Words from outside the shipped lists that the rules take in."""

    stopwords: frozenset[str] = frozenset()  # the user's (tokens.stopwords_file)
    # Compounds kept whole however rare they are here (scoring keeps those of the fitted
    # model's vocabulary).
    keep: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TokenizeRun:
    """Where and how the tokenizing runs; nothing here changes a term."""

    ex: Executor | None = None  # pipeline.common.compute; None = this process
    cache_dir: Path | None = None  # the per-meeting token cache's folder; None = no cache
    progress: Callable[[Iterator], Iterator] = _as_is
    # Distinct units held in memory before they go to disk (unit_store.UnitStore); None:
    # unit_store.IN_MEMORY_UNITS, 0: on disk from the start.
    held_units: int | None = None


class StrippedDocuments:
    """The documents' texts without their boilerplate, meeting by meeting, as they are read:
    keeps each document's DocRef and counts what the boilerplate took."""

    def __init__(self, boilerplate: Boilerplate) -> None:
        self.boilerplate = boilerplate
        self.index = DocRefs()
        self.dropped: Counter = Counter()  # segments, chars, documents, emptied

    def meetings(self, documents: Iterable[dict]) -> Iterator[tuple[str, list[str]]]:
        """Each meeting's texts, in order (a meeting is a run of documents)."""
        texts: list[str] = []
        current = ""  # no meeting yet: yielded only once it has texts
        for doc in documents:
            if texts and doc.get("meeting", "") != current:
                yield current, texts
                texts = []
            current = doc.get("meeting", "")
            texts.append(self._text(doc))
        if texts:
            yield current, texts

    def _text(self, doc: dict) -> str:
        self.index.append(DocRef(doc["doc_id"], doc.get("weight", 1.0), doc.get("meeting", "")))
        text, n_dropped = self.boilerplate.strip_next(doc["text"])
        text = text_for_terms(text)
        if n_dropped:
            self.dropped.update(segments=n_dropped, chars=len(doc["text"]) - len(text),
                                documents=1, emptied=not text.strip())
        return text

    def metrics(self) -> dict:
        """tokens.json's `boilerplate`: what was found, and what it took out."""
        found = self.boilerplate
        return {
            "n_patterns": found.n_keys,
            "counted_in": found.counted_in,
            "n_dropped": self.dropped["segments"],
            "n_chars_dropped": self.dropped["chars"],
            "n_documents_touched": self.dropped["documents"],
            "n_documents_emptied": self.dropped["emptied"],
            "examples": [{"text": t, found.counted_in: n} for t, n in found.examples],
            # Found only with numbers, Latin words and links folded (a footer's handle).
            "n_near_duplicates": found.n_near,
            "near_duplicate_examples": [{"text": t, found.counted_in: n}
                                        for t, n in found.near_examples],
        }


@dataclass
class CorpusStats:
    """tokens.json's counts of the records, added one record at a time."""

    n_documents: int = 0
    n_tokens: int = 0
    n_empty: int = 0
    n_procedural: int = 0
    vocabulary: set[str] = field(default_factory=set)

    def add(self, record: dict) -> None:
        """Count one token record."""
        self.n_documents += 1
        self.n_tokens += len(record["terms"])
        self.n_empty += not record["terms"]
        self.n_procedural += bool(record.get("procedural"))
        self.vocabulary.update(record["terms"])

    def metrics(self) -> dict:
        return {"n_documents": self.n_documents, "n_tokens": self.n_tokens,
                "n_terms": len(self.vocabulary), "documents_without_terms": self.n_empty,
                "procedural_documents": self.n_procedural}


class TokenizedCorpus:
    """Terms of every document, streamed once by `records`; `metrics` after that."""

    def __init__(self, index: Iterable[DocRef], terms: Iterator[list[str]],
                 procedural: ProcedureTerms | None, facts: dict, log: list[str]) -> None:
        self._index, self._terms, self._procedural = index, terms, procedural
        self._facts = facts  # the metrics known before the records are made
        self.stats = CorpusStats()
        self.log = log
        self._state = "new"  # -> "reading" -> "read"

    def records(self) -> Iterator[dict]:
        """One token record per document, in document order (tokens.jsonl); once."""
        if self._state != "new":
            raise RuntimeError("TokenizedCorpus.records() streams the records once")
        self._state = "reading"
        return self._stream()

    def _stream(self) -> Iterator[dict]:
        # Paused while the records are read, too: corpus_terms makes a list per document,
        # and a caller with a large heap (not the stage, which pauses it throughout) would
        # pay a collector pass over that heap every few hundred documents.
        with gc_paused():
            for (doc_id, weight, meeting), doc_terms in zip(self._index, self._terms,
                                                            strict=True):
                record = {"doc_id": doc_id, "meeting": meeting, "terms": doc_terms,
                          "weight": weight}
                if self._procedural is not None and is_procedural_document(
                        doc_terms, known=self._procedural):
                    record["procedural"] = True  # kept here, left out of the matrix
                self.stats.add(record)
                yield record
        self._state = "read"
        self.log.append(f"tokenize: {self.stats.n_documents} documents -> "
                        f"{self.stats.n_tokens} tokens; {self.stats.n_procedural} documents "
                        "are mostly procedure (not modelled)")

    def metrics(self) -> dict:
        """tokens.json: counts, boilerplate, settings, dictionary (after `records`)."""
        if self._state != "read":
            raise RuntimeError("TokenizedCorpus.metrics() counts the records: read them all "
                               "first")
        return {**self.stats.metrics(), **self._facts}


def tokenize_corpus(documents: Callable[[], Iterable[dict]], roster: list[dict] | None,
                    cfg: TokensConfig, words: ExtraWords = ExtraWords(),
                    run: TokenizeRun = TokenizeRun()) -> TokenizedCorpus:
    """Terms of each document (dicts with doc_id, text, meeting, weight; `documents()` is read
    twice, so it may stream from disk) under the tokens config `cfg`.

    roster: the corpus's speakers (roster.json rows), whose names, labels and roles never
    become terms; None for texts without speakers.
    """
    ex = run.ex or SerialExecutor()
    tagger = Analyzer()
    if Worker.here().tagger is None:  # before any worker forks: they start with it
        Worker.here().tagger = tagger
    # Speaker names are taken out after the cache (see chunks.corpus_terms), the rest before.
    names = roster_names(roster, ROLES) if roster is not None else frozenset()
    stopwords = shipped_stopwords() | words.stopwords
    settings = TokenSettings.make(cfg.pos, stopwords, cfg.compounds, cfg.min_chars,
                                  cfg.keep_phrases)
    cache = TokenCache(run.cache_dir, settings) if run.cache_dir is not None else None
    stripped = StrippedDocuments(corpus_boilerplate(documents(), cfg, ex))
    started = time.perf_counter()
    with gc_paused():  # see gc_paused: tokenizing makes millions of small tuples
        done = MeetingAssembly(settings, cache, held_units=run.held_units).run(
            stripped.meetings(documents()), ex, run.progress)
    if cache is not None:
        cache.finish()
    log = [*_tokenized_log(done, len(stripped.index), cache, ex.describe(),
                           time.perf_counter() - started), _boilerplate_log(stripped)]
    terms = final_terms(done, cfg, settings.keep | words.keep, names - stopwords)
    lexicon = procedure_lexicon() if cfg.drop_procedural_documents else frozenset()
    facts = {"n_stopwords": len(stopwords | names), "boilerplate": stripped.metrics(),
             "settings": {k: without_absolute_paths(v) if k == "stopwords_file" and v else v
                          for k, v in cfg.model_dump().items() if k not in ("n_jobs", "cache")},
             **tagger.info()}
    return TokenizedCorpus(stripped.index, terms, ProcedureTerms(lexicon) if lexicon else None,
                           facts, log)


def corpus_boilerplate(documents: Iterable[dict], cfg: TokensConfig, ex: Executor) -> Boilerplate:
    """The sentences and lines that recur across meetings (tokens.boilerplate_*)."""
    return find_boilerplate(((d.get("meeting", ""), d.get("speaker", ""), d["text"])
                             for d in documents),
                            cfg.boilerplate_min_meetings, cfg.boilerplate_min_docs, ex.map,
                            min_speakers=cfg.boilerplate_min_speakers)


def final_terms(done: TokenizedMeetings, cfg: TokensConfig, keep: frozenset[str],
                names: frozenset[str]) -> Iterator[list[str]]:
    """Each document's terms: compounds cut and speaker `names` dropped over the whole
    corpus, then collocations joined (tokens.collocations)."""
    terms = corpus_terms(done.corpus, cfg.compound_min_count, keep, names)
    if cfg.collocations:
        terms = iter(join_collocations(list(terms), cfg.collocation_min_count,
                                       cfg.collocation_threshold))
    return terms


def _tokenized_log(done: TokenizedMeetings, n_documents: int, cache: TokenCache | None,
                   where: str, seconds: float) -> list[str]:
    """Log lines: how many documents, meetings and chunks, and what the cache gave."""
    log = [f"tokenize: {n_documents} documents of {done.n_meetings} meetings in "
           f"{done.n_chunks} chunks ({where}, {seconds:.1f} s); "
           + (f"{len(done.tokenized)} meetings tokenized, "
              f"{done.n_meetings - len(done.tokenized)} meetings from the cache"
              if cache is not None else "cache off")]
    if cache is None:
        return log
    if 0 < len(done.tokenized) <= 5:
        log.append(f"tokenize: tokenized: {', '.join(map(str, done.tokenized))}")
    return log + [f"tokenize: note: {note}" for note in cache.notes()]


def _boilerplate_log(stripped: StrippedDocuments) -> str:
    found, dropped = stripped.boilerplate, stripped.dropped
    return (f"tokenize: boilerplate: {found.n_keys} sentences or lines recur in many "
            f"{found.counted_in}; {dropped['segments']} occurrences left out of "
            f"{dropped['documents']} documents ({dropped['emptied']} left empty)")
