"""Stage tokenize: documents -> terms per document (made once; later stages never re-tokenize).

Documents stream through in chunks (one meeting's documents, a few dozen kilobytes each) to
worker processes or a Dask cluster (compute.backend); with tokens.cache, chunks whose text
and settings are unchanged since the last run come from outputs/cache/tokens instead.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

from pipeline.common.atomic import iter_jsonl, write_jsonl, write_metrics
from pipeline.common.compute import executor
from pipeline.common.errors import PipelineError
from pipeline.common.progress import progress
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tokenize.boilerplate import Boilerplate, find_boilerplate
from pipeline.tokenize.cache import TokenCache
from pipeline.tokenize.new_texts import roster_stopwords
from pipeline.tokenize.procedure import is_procedural_document, procedure_lexicon
from pipeline.tokenize.tokens import (
    PARALLEL_MIN_CHARS,
    dictionary_info,
    join_collocations,
    name_parts,
    new_tagger,
    parse_stopwords,
    shipped_stopwords,
    text_for_terms,
)
from pipeline.tokenize.units import (
    CHUNK_CHARS,
    TokenSettings,
    corpus_terms,
    gc_paused,
    tokenize_chunks,
)


def meeting_chunks(path: Path, index: list[tuple[str, float, str]], meetings: list[str],
                   boilerplate: Boilerplate, dropped: Counter):
    """Documents' texts, without their boilerplate, in chunks of one meeting and at most
    about CHUNK_CHARS characters, streamed from documents.jsonl; fills `index`
    (doc_id, weight), each chunk's meeting and the count of `dropped` segments."""
    chunk: list[str] = []
    size = 0
    current = None
    for doc in iter_jsonl(path):
        if chunk and (doc.get("meeting") != current or size >= CHUNK_CHARS):
            meetings.append(current)
            yield chunk
            chunk, size = [], 0
        current = doc.get("meeting")
        index.append((doc["doc_id"], doc.get("weight", 1.0), doc.get("meeting", "")))
        text, n_dropped = boilerplate.strip(doc["text"])
        text = text_for_terms(text)
        if n_dropped:
            dropped.update(segments=n_dropped, chars=len(doc["text"]) - len(text),
                           documents=1, emptied=not text.strip())
        chunk.append(text)
        size += len(text)
    if chunk:
        meetings.append(current)
        yield chunk


def main(args, config) -> None:
    with gc_paused():  # see gc_paused: the stage makes millions of small tuples
        tokenize(args, config)


def tokenize(args, config) -> None:
    cfg = config.tokens
    roster = json.loads(Path(args.roster).read_text(encoding="utf-8"))
    # Speaker names are taken out after the cache (see token_units), the rest before.
    tagger = new_tagger()
    names = roster_stopwords(roster) | name_parts({e["speaker"] for e in roster})
    stopwords = shipped_stopwords()
    if cfg.stopwords_file:
        path = Path(cfg.stopwords_file)
        if not path.is_file():
            raise PipelineError(f"tokens.stopwords_file: {path} not found; create it or set null")
        try:
            stopwords |= parse_stopwords(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise PipelineError(f"tokens.stopwords_file: {path} is not UTF-8 text; save it as "
                                "UTF-8") from None
    settings = TokenSettings.make(cfg.pos, stopwords, cfg.compounds, cfg.min_chars,
                                  cfg.keep_phrases)
    cache = TokenCache(Path(args.cache), settings) if cfg.cache else None
    documents = Path(args.documents)
    boilerplate = find_boilerplate(((d.get("meeting", ""), d["text"])
                                    for d in iter_jsonl(documents)),
                                   cfg.boilerplate_min_meetings, cfg.boilerplate_min_docs)
    dropped: Counter = Counter()
    # documents.jsonl is about 3 bytes a character of text (UTF-8) plus fields.
    large = documents.stat().st_size >= 3 * PARALLEL_MIN_CHARS
    use_workers = config.compute.backend == "dask" or (large and cfg.n_jobs != 1)
    index: list[tuple[str, float, str]] = []
    meetings: list[str] = []
    missed: list[int] = []
    started = time.perf_counter()
    with executor(config.compute, cfg.n_jobs) if use_workers else nullcontext() as ex:
        chunks = meeting_chunks(documents, index, meetings, boilerplate, dropped)
        corpus = tokenize_chunks(
            chunks, settings, ex, cache, tagger, missed,
            progress=lambda items: progress(items, desc="tokenize", unit="chunk"))
        where = ex.describe() if ex else "1 process"
    if cache is not None:
        cache.finish()
    n_docs = len(index)
    redone = sorted({meetings[i] for i in missed})
    log(f"tokenize: {n_docs} documents of {len(set(meetings))} meetings in {len(meetings)} "
        f"chunks ({where}, {time.perf_counter() - started:.1f} s); "
        + (f"{len(missed)} chunks of {len(redone)} meetings tokenized, "
           f"{len(meetings) - len(missed)} chunks from the cache" if cache is not None
           else "cache off"))
    if cache is not None and 0 < len(redone) <= 5:
        log(f"tokenize: tokenized: {', '.join(map(str, redone))}")
    log(f"tokenize: boilerplate: {len(boilerplate.keys)} sentences or lines recur in many "
        f"{boilerplate.counted_in}; {dropped['segments']} occurrences left out of "
        f"{dropped['documents']} documents ({dropped['emptied']} left empty)")
    terms = corpus_terms(corpus, cfg.compound_min_count, settings.keep, names - stopwords)
    if cfg.collocations:
        terms = iter(join_collocations(list(terms), cfg.collocation_min_count,
                                       cfg.collocation_threshold))
    counts = {"tokens": 0, "empty": 0, "procedural": 0}
    lexicon = procedure_lexicon() if cfg.drop_procedural_documents else frozenset()
    vocabulary: set[str] = set()

    def records():
        for (doc_id, weight, meeting), doc_terms in zip(index, terms, strict=True):
            counts["tokens"] += len(doc_terms)
            counts["empty"] += not doc_terms
            vocabulary.update(doc_terms)
            record = {"doc_id": doc_id, "meeting": meeting, "terms": doc_terms,
                      "weight": weight}
            if lexicon and is_procedural_document(doc_terms, lexicon):
                counts["procedural"] += 1
                record["procedural"] = True  # kept here, left out of the matrix
            yield record

    write_jsonl(Path(args.tokens), records())
    write_metrics(Path(args.metrics), {
        "n_documents": n_docs,
        "n_tokens": counts["tokens"],
        "n_terms": len(vocabulary),
        "documents_without_terms": counts["empty"],
        "procedural_documents": counts["procedural"],
        "n_stopwords": len(stopwords | names),
        "boilerplate": {
            "n_patterns": len(boilerplate.keys),
            "counted_in": boilerplate.counted_in,
            "n_dropped": dropped["segments"],
            "n_chars_dropped": dropped["chars"],
            "n_documents_touched": dropped["documents"],
            "n_documents_emptied": dropped["emptied"],
            "examples": [{"text": t, boilerplate.counted_in: n}
                         for t, n in boilerplate.examples],
        },
        "settings": {k: v for k, v in cfg.model_dump().items() if k not in ("n_jobs", "cache")},
        **dictionary_info(tagger),
    })
    log(f"tokenize: {n_docs} documents -> {counts['tokens']} tokens; {counts['procedural']} "
        "documents are mostly procedure (not modelled)")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--cache", default="outputs/cache/tokens",
                        help="folder of the per-meeting token cache (tokens.cache)")
    run(main, parser)
