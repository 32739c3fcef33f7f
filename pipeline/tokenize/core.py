"""The tokenizer's one entry point: documents -> terms per document, with their counts.

    result = tokenize_corpus(documents, roster, config.tokens, user_stopwords, ex, cache_dir)
    write_jsonl(path, result.records()); write_metrics(path, result.metrics())

What becomes a term is decided in pipeline/tokenize/rules.py (and compounds.py); this module
only wires the steps: boilerplate found over the corpus, meetings tokenized through the cache
and the chunks (meetings.py), compounds cut and speaker names dropped over the whole corpus
(chunks.corpus_terms), collocations, procedural documents marked.
"""

from __future__ import annotations

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
from pipeline.tokenize.meetings import tokenize_meetings
from pipeline.tokenize.procedure import ProcedureTerms, is_procedural_document, procedure_lexicon
from pipeline.tokenize.rules import roster_names, shipped_stopwords, text_for_terms

PARALLEL_MIN_CHARS = 200_000  # below this, starting worker processes costs more than it saves


class DocRef(NamedTuple):
    """What a document's token record carries besides its terms."""

    doc_id: str
    weight: float
    meeting: str


@dataclass
class TokenizedCorpus:
    """Terms of every document, streamed once by `records`; `metrics` after that."""

    _records: Iterator[dict]
    _metrics: Callable[[], dict]
    log: list[str] = field(default_factory=list)

    def records(self) -> Iterator[dict]:
        """One token record per document, in document order (tokens.jsonl)."""
        return self._records

    def metrics(self) -> dict:
        """tokens.json: counts, boilerplate, settings, dictionary (after `records`)."""
        return self._metrics()


def tokenize_corpus(documents: Callable[[], Iterable[dict]], roster: list[dict] | None,
                    cfg: TokensConfig, user_stopwords: frozenset[str] = frozenset(),
                    ex: Executor | None = None,
                    cache_dir: Path | None = None,
                    progress: Callable[[Iterator], Iterator] = lambda items: items,
                    keep: frozenset[str] = frozenset()) -> TokenizedCorpus:
    """Terms of each document (dicts with doc_id, text, meeting, weight; `documents()` is read
    twice, so it may stream from disk) under the tokens config `cfg`.

    roster: the corpus's speakers (roster.json rows), whose names, labels and roles never
    become terms; None for texts without speakers.

    ex: an executor (pipeline.common.compute; None = this process); cache_dir: the per-meeting
    token cache's folder, or None for no cache. keep: compounds kept whole however rare they
    are here (scoring keeps those of the fitted model's vocabulary).
    """
    ex = ex or SerialExecutor()
    tagger = Analyzer()
    # Speaker names are taken out after the cache (see chunks.corpus_terms), the rest before.
    names = roster_names(roster, ROLES) if roster is not None else frozenset()
    stopwords = shipped_stopwords() | user_stopwords
    settings = TokenSettings.make(cfg.pos, stopwords, cfg.compounds, cfg.min_chars,
                                  cfg.keep_phrases)
    cache = TokenCache(cache_dir, settings) if cache_dir is not None else None
    if Worker.here().tagger is None:  # before any worker forks: they start with it
        Worker.here().tagger = tagger
    boilerplate = find_boilerplate(((d.get("meeting", ""), d.get("speaker", ""), d["text"])
                                    for d in documents()),
                                   cfg.boilerplate_min_meetings, cfg.boilerplate_min_docs,
                                   ex.map, min_speakers=cfg.boilerplate_min_speakers)
    index: list[DocRef] = []
    dropped: Counter = Counter()
    started = time.perf_counter()
    with gc_paused():  # see gc_paused: tokenizing makes millions of small tuples
        done = tokenize_meetings(_meetings(documents(), boilerplate, index, dropped), settings,
                                 ex, cache, tagger, progress)
    if cache is not None:
        cache.finish()
    log = [f"tokenize: {len(index)} documents of {done.n_meetings} meetings in {done.n_chunks} "
           f"chunks ({ex.describe()}, {time.perf_counter() - started:.1f} s); "
           + (f"{len(done.tokenized)} meetings tokenized, "
              f"{done.n_meetings - len(done.tokenized)} meetings from the cache"
              if cache is not None else "cache off")]
    if cache is not None and 0 < len(done.tokenized) <= 5:
        log.append(f"tokenize: tokenized: {', '.join(map(str, done.tokenized))}")
    log += [f"tokenize: note: {note}" for note in (cache.notes() if cache is not None else [])]
    log.append(f"tokenize: boilerplate: {boilerplate.n_keys} sentences or lines recur in many "
               f"{boilerplate.counted_in}; {dropped['segments']} occurrences left out of "
               f"{dropped['documents']} documents ({dropped['emptied']} left empty)")
    terms = corpus_terms(done.corpus, cfg.compound_min_count, settings.keep | keep,
                         names - stopwords)
    if cfg.collocations:
        terms = iter(join_collocations(list(terms), cfg.collocation_min_count,
                                       cfg.collocation_threshold))
    counts = {"tokens": 0, "empty": 0, "procedural": 0}
    lexicon = procedure_lexicon() if cfg.drop_procedural_documents else frozenset()
    procedural = ProcedureTerms(lexicon)
    vocabulary: set[str] = set()

    def records() -> Iterator[dict]:
        # Paused while the records are read, too: corpus_terms makes a list per document,
        # and a caller with a large heap (not the stage, which pauses it throughout) would
        # pay a collector pass over that heap every few hundred documents.
        with gc_paused():
            for (doc_id, weight, meeting), doc_terms in zip(index, terms, strict=True):
                counts["tokens"] += len(doc_terms)
                counts["empty"] += not doc_terms
                vocabulary.update(doc_terms)
                record = {"doc_id": doc_id, "meeting": meeting, "terms": doc_terms,
                          "weight": weight}
                if lexicon and is_procedural_document(doc_terms, known=procedural):
                    counts["procedural"] += 1
                    record["procedural"] = True  # kept here, left out of the matrix
                yield record
        log.append(f"tokenize: {len(index)} documents -> {counts['tokens']} tokens; "
                   f"{counts['procedural']} documents are mostly procedure (not modelled)")

    def metrics() -> dict:
        return {
            "n_documents": len(index),
            "n_tokens": counts["tokens"],
            "n_terms": len(vocabulary),
            "documents_without_terms": counts["empty"],
            "procedural_documents": counts["procedural"],
            "n_stopwords": len(stopwords | names),
            "boilerplate": {
                "n_patterns": boilerplate.n_keys,
                "counted_in": boilerplate.counted_in,
                "n_dropped": dropped["segments"],
                "n_chars_dropped": dropped["chars"],
                "n_documents_touched": dropped["documents"],
                "n_documents_emptied": dropped["emptied"],
                "examples": [{"text": t, boilerplate.counted_in: n}
                             for t, n in boilerplate.examples],
                # Found only with numbers, Latin words and links folded (a footer's handle).
                "n_near_duplicates": boilerplate.n_near,
                "near_duplicate_examples": [{"text": t, boilerplate.counted_in: n}
                                            for t, n in boilerplate.near_examples],
            },
            "settings": {k: without_absolute_paths(v) if k == "stopwords_file" and v else v
                         for k, v in cfg.model_dump().items() if k not in ("n_jobs", "cache")},
            **tagger.info(),
        }

    return TokenizedCorpus(records(), metrics, log)


def _meetings(documents: Iterable[dict], boilerplate: Boilerplate, index: list[DocRef],
              dropped: Counter) -> Iterator[tuple[str, list[str]]]:
    """Each meeting's texts without their boilerplate, in order; fills `index` and the count
    of `dropped` segments."""
    texts: list[str] = []
    current = ""  # no meeting yet: yielded only once it has texts
    for doc in documents:
        if texts and doc.get("meeting", "") != current:
            yield current, texts
            texts = []
        current = doc.get("meeting", "")
        index.append(DocRef(doc["doc_id"], doc.get("weight", 1.0), doc.get("meeting", "")))
        text, n_dropped = boilerplate.strip_next(doc["text"])
        text = text_for_terms(text)
        if n_dropped:
            dropped.update(segments=n_dropped, chars=len(doc["text"]) - len(text),
                           documents=1, emptied=not text.strip())
        texts.append(text)
    if texts:
        yield current, texts
