"""The taggers' dictionary pages are let go as a large corpus streams through: resident
memory bounded, every term the same."""

from __future__ import annotations

import sys

import pytest
from _project import ROOT

from pipeline.tokenize import chunks
from pipeline.tokenize.analyzer import Analyzer
from pipeline.tokenize.chunks import ChunkTask, TokenSettings, Worker, resident_bytes
from pipeline.tokenize.rules import shipped_stopwords

TEXT = (ROOT / "data/nakasone_digital_economy_2021-02-02.txt").read_text(encoding="utf-8")
PARAGRAPHS = [p.strip() for p in TEXT.split("\n") if len(p.strip()) > 20]

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise and /proc")


@linux
def test_released_pages_leave_resident_memory_and_the_parse_unchanged():
    tagger = Analyzer()
    before = [tagger.lines(p) for p in PARAGRAPHS]
    tagger.entries({line for lines in before for line in lines if line})
    held = resident_bytes()
    assert tagger.release_pages() > 0
    assert resident_bytes() < held
    assert [tagger.lines(p) for p in PARAGRAPHS] == before


def _page_faults() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@linux
def test_a_release_keeps_the_fast_pass_pages():
    # The fast pass reads the same pages for every token: released with the others, they
    # were all read again (a fault per page) after every release.
    from pipeline.tokenize.analyzer import mapped, release_ranges

    tagger = Analyzer()
    tagger.entries({line for p in PARAGRAPHS for line in tagger.lines(p) if line})
    assert tagger.release_pages() > 0
    start = _page_faults()
    kept = [tagger.lines(p) for p in PARAGRAPHS]
    after_release = _page_faults() - start
    release_ranges(mapped(tagger.folder))  # every tagger's pages, the fast pass's too
    start = _page_faults()
    again = [tagger.lines(p) for p in PARAGRAPHS]
    after_all = _page_faults() - start
    assert again == kept
    assert after_all > 100 and after_release < after_all / 4


def _units(release_growth: int, monkeypatch) -> tuple[list, list, int]:
    monkeypatch.setattr(chunks, "RELEASE_GROWTH", release_growth)
    tagger = Analyzer()
    released = []
    monkeypatch.setattr(tagger, "release_pages", lambda: released.append(Analyzer.release_pages(
        tagger)))
    worker = Worker(tagger)
    s = TokenSettings.make(["noun", "proper_noun"], shipped_stopwords())
    results = [worker.run(ChunkTask(s, PARAGRAPHS[i:i + 5])) for i in range(0, 40, 5)]
    return [r.units for r in results], [r.ids.tolist() for r in results], len(released)


@linux
def test_a_worker_that_releases_after_every_chunk_makes_the_same_units(monkeypatch):
    # RELEASE_GROWTH -1: released after every chunk (the most the taggers can be disturbed).
    *often, n_often = _units(-1, monkeypatch)
    *never, n_never = _units(2**62, monkeypatch)
    assert (n_often, n_never) == (8, 0)
    assert often == never


def test_extractors_started_anew_give_the_same_units_and_corpus(monkeypatch):
    # A process starts a new extractor past MAX_UNITS (its tables grow with the corpus):
    # its units come under a new name, numbered from 0, and the parent's corpus is the one
    # a single extractor makes, unit table order included, in this process and in workers.
    from pipeline.common.compute import LocalExecutor, SerialExecutor
    from pipeline.tokenize.meetings import MeetingAssembly

    s = TokenSettings.make(["noun", "proper_noun"], shipped_stopwords())
    meetings = [(f"m{i}", PARAGRAPHS[i:i + 3]) for i in range(0, 60, 3)]

    def corpus(max_units: int, ex) -> tuple[list, list, list, int]:
        monkeypatch.setattr(chunks, "MAX_UNITS", max_units)
        monkeypatch.setattr(Worker, "_current", None)
        done = MeetingAssembly(s, chunk_chars=400).run(meetings, ex).corpus
        return (list(done.units), done.ids[:len(done.ids)].tolist(), done.lengths.tolist(),
                Worker.here().generation)

    *one, kept = corpus(2**40, SerialExecutor())
    *renewed, n_renewed = corpus(20, SerialExecutor())
    assert (kept, n_renewed > 3) == (0, True)
    assert renewed == one
    ex = LocalExecutor(2)
    try:
        assert list(corpus(20, ex)[:3]) == one
    finally:
        ex.close()


def test_meetings_from_the_cache_join_the_corpus_as_they_are_read(tmp_path, monkeypatch):
    # A run whose meetings all come from the cache sends no chunk: each meeting must join
    # the corpus as it is read, not wait (with its units) for the end of the corpus.
    from pipeline.common.compute import SerialExecutor
    from pipeline.tokenize.cache import TokenCache
    from pipeline.tokenize.meetings import MeetingAssembly

    s = TokenSettings.make(["noun", "proper_noun"], shipped_stopwords())
    meetings = [(f"m{i}", PARAGRAPHS[i:i + 3]) for i in range(0, 30, 3)]
    first = MeetingAssembly(s, TokenCache(tmp_path, s)).run(meetings, SerialExecutor()).corpus
    again = MeetingAssembly(s, TokenCache(tmp_path, s))
    waiting = []

    def read():
        for meeting in meetings:
            waiting.append(len(again.slots))
            yield meeting

    corpus = again.run(read(), SerialExecutor()).corpus
    assert max(waiting) == 0 and again.tokenized == []
    # (Units are numbered in the order they are met, which differs from the cache's.)
    assert list(chunks.corpus_terms(corpus, 3)) == list(chunks.corpus_terms(first, 3))


def test_with_pos1_picks_the_lines_pos1_would():
    from pipeline.tokenize.rules import may_be_term

    tagger = Analyzer()
    lines = {line for p in PARAGRAPHS for line in tagger.lines(p)}
    lines |= {"", "x", "a\tb\tc", "名\t99999\t1", "ＡＢＣ\t5\t5\t名詞\t普通名詞\t一般"}

    def keep(pos1: str) -> bool:
        return may_be_term(pos1, frozenset({"noun"}))

    picked = tagger.with_pos1(lines, keep)
    assert picked == {line for line in lines if keep(tagger.pos1(line))}
    assert "ＡＢＣ\t5\t5\t名詞\t普通名詞\t一般" in picked and "" not in picked
    assert 0 < len(picked) < len(lines)
