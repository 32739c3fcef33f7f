"""Tokenizing meetings in chunks: the cache, the executors, and outputs that never depend on
either; cost linear in the number of meetings."""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from _fuzz import n_examples
from _project import ROOT
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from pipeline.common.compute import DaskExecutor, LocalExecutor, SerialExecutor
from pipeline.tokenize.cache import TokenCache, checksum
from pipeline.tokenize.chunks import CHUNK_CHARS, CorpusUnits, TokenSettings, corpus_terms
from pipeline.tokenize.compounds import unit_terms
from pipeline.tokenize.meetings import MeetingAssembly
from pipeline.tokenize.rules import shipped_stopwords

TEXT = (ROOT / "data/nakasone_digital_economy_2021-02-02.txt").read_text(encoding="utf-8")
PARAGRAPHS = [p.strip() for p in TEXT.split("\n") if len(p.strip()) > 20]


def settings(extra: frozenset[str] = frozenset()) -> TokenSettings:
    return TokenSettings.make(["noun", "proper_noun"], shipped_stopwords() | extra)


def tokenized(meetings, s, ex=None, cache=None, missed=None, chunk_chars=CHUNK_CHARS):
    """tokenize_meetings over meetings named m0, m1, ...; `missed` gets the numbers of the
    meetings tokenized (not from the cache)."""
    done = MeetingAssembly(s, cache, chunk_chars).run(
        [(f"m{i}", texts) for i, texts in enumerate(meetings)], ex or SerialExecutor())
    if missed is not None:
        missed.extend(int(name[1:]) for name in done.tokenized)
    return done


def terms(meetings, s, ex=None, cache=None, missed=None, chunk_chars=CHUNK_CHARS):
    done = tokenized(meetings, s, ex, cache, missed, chunk_chars)
    return list(corpus_terms(done.corpus, 3))


def meetings(n: int) -> list[list[str]]:
    """n 'meetings' of a few paragraphs each."""
    size = len(PARAGRAPHS) // n
    return [PARAGRAPHS[i * size : (i + 1) * size] for i in range(n)]


def small_meetings(chars: int) -> list[list[str]]:
    """The paragraphs as consecutive meetings of about `chars` characters."""
    out, size = [[]], 0
    for paragraph in PARAGRAPHS:
        if size >= chars:
            out.append([])
            size = 0
        out[-1].append(paragraph)
        size += len(paragraph)
    return out


@pytest.mark.parametrize("chunk_chars", [1, 500, 5000, 10**9])
def test_chunking_does_not_change_terms(chunk_chars):
    # A chunk may cut a meeting (500) or hold many (5000, all of them): the terms are the same.
    s = settings()
    whole = terms([PARAGRAPHS], s)
    assert whole == terms([PARAGRAPHS], s, chunk_chars=chunk_chars)
    seven = meetings(7)
    assert terms([[p for m in seven for p in m]], s) == terms(seven, s, chunk_chars=chunk_chars)
    assert any("安全保障" in t for t in whole)


def test_chunks_are_cut_by_size_across_meetings():
    s = settings()
    many = small_meetings(50)
    n_chars = sum(map(len, PARAGRAPHS))
    done = tokenized(many, s, chunk_chars=1000)
    assert len(many) > 50 and done.n_meetings == len(many)
    assert done.n_chunks <= n_chars // 1000 + 1 < len(many)  # many meetings per chunk
    assert tokenized([PARAGRAPHS], s, chunk_chars=1000).n_chunks >= n_chars // 1000 - 1


def test_cache_reuses_unchanged_chunks_and_equals_a_full_run(tmp_path):
    s = settings()
    chunks = meetings(5)
    first: list[int] = []
    full = terms(chunks, s, cache=TokenCache(tmp_path, s), missed=first)
    assert first == [0, 1, 2, 3, 4]
    # A sixth meeting arrives: only it is tokenized, and the result equals a run without cache.
    grown = [*chunks, PARAGRAPHS[:3]]
    second: list[int] = []
    cache = TokenCache(tmp_path, s)
    assert terms(grown, s, cache=cache, missed=second) == terms(grown, s)
    assert second == [5]
    assert len(cache.used) == 6  # five entries read, one written
    assert full == terms(chunks, s)


def test_new_speaker_names_keep_the_cache_and_leave_the_terms(tmp_path):
    s = settings()
    chunks = meetings(4)
    terms(chunks, s, cache=TokenCache(tmp_path, s))
    word = terms(chunks[2:3], s)[0][0]
    missed: list[int] = []
    corpus = tokenized(chunks, s, cache=TokenCache(tmp_path, s), missed=missed).corpus
    out = list(corpus_terms(corpus, 3, drop=frozenset([word])))
    assert missed == []
    assert all(word not in doc for doc in out)
    # A changed stopword list is new settings: every chunk is tokenized again.
    s2 = settings(frozenset([word]))
    terms(chunks, s2, cache=TokenCache(tmp_path, s2), missed=missed)
    assert missed == [0, 1, 2, 3]


def test_other_settings_use_other_entries(tmp_path):
    s = settings()
    terms(meetings(2), s, cache=TokenCache(tmp_path, s))
    verbs = TokenSettings.make(["noun", "verb"], shipped_stopwords())
    missed: list[int] = []
    terms(meetings(2), verbs, cache=TokenCache(tmp_path, verbs), missed=missed)
    assert missed == [0, 1]
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_damaged_cache_entry_is_recomputed(tmp_path):
    s = settings()
    chunks = meetings(2)
    expected = terms(chunks, s, cache=TokenCache(tmp_path, s))
    for entry in tmp_path.rglob("*.pkl"):
        entry.write_bytes(b"not a pickle")
    missed: list[int] = []
    assert terms(chunks, s, cache=TokenCache(tmp_path, s), missed=missed) == expected
    assert missed == [0, 1]


@examples(max_examples=n_examples(200), deadline=None)
@given(data=st.binary(max_size=200) | st.builds(
    lambda cut, flip: cut[:-1] + bytes([cut[-1] ^ flip]) if cut else cut,
    st.sampled_from([pickle.dumps(("x", (1, "y"), b"z", [2.5]), protocol=5)[:n]
                     for n in range(1, 30)]), st.integers(1, 255)))
def test_any_bytes_in_an_entry_are_a_miss_never_an_error(data):
    """Damaged entries are caught by name (pipeline.tokenize.cache._DAMAGED), not by catching
    every exception: whatever bytes an entry holds, get() answers None."""
    with tempfile.TemporaryDirectory() as folder:
        cache = TokenCache(Path(folder), settings())
        cache.folder.mkdir(parents=True)
        (cache.folder / "k.pkl").write_bytes(data)
        assert cache.get("k") is None


@pytest.mark.parametrize("chunk_chars", [700, 5000])
def test_worker_processes_give_the_serial_terms(chunk_chars):
    s = settings()
    many = small_meetings(2000)
    ex = LocalExecutor(2)
    try:
        assert terms(many, s, ex, chunk_chars=chunk_chars) == terms(many, s)
    finally:
        ex.close()


def test_cache_with_workers_keeps_order(tmp_path):
    s = settings()
    many = small_meetings(2000)
    expected = terms(many, s)
    # Half the meetings cached, half computed by workers in chunks of several meetings (a
    # cached one between two computed ones of a chunk): order must hold.
    terms(many[::2], s, cache=TokenCache(tmp_path, s))
    ex = LocalExecutor(2)
    missed: list[int] = []
    try:
        assert terms(many, s, ex, TokenCache(tmp_path, s), missed, chunk_chars=5000) == expected
    finally:
        ex.close()
    assert missed == list(range(1, len(many), 2))
    # The entries the workers' chunks were split into are each meeting's own.
    again: list[int] = []
    assert terms(many, s, cache=TokenCache(tmp_path, s), missed=again) == expected
    assert again == []


@pytest.mark.slow  # a LocalCluster of two worker processes: seconds to start
def test_dask_local_cluster_gives_the_local_terms():
    s = settings()
    many = small_meetings(4000)
    ex = DaskExecutor(None, 2)
    try:
        assert ex.n_workers == 2
        assert terms(many, s, ex, chunk_chars=6000) == terms(many, s)
    finally:
        ex.close()


def test_speaker_names_leave_terms_and_break_compounds():
    s = settings()
    corpus = tokenized([["金子道仁議員は原材料費の高騰と安全保障について質問した。"]], s).corpus
    assert list(corpus_terms(corpus, 1)) == [["金子道仁議員", "原材料費", "高騰", "安全保障"]]
    # A name spelled by several parts goes; a prefix that looks like a name (原) stays joined.
    dropped = list(corpus_terms(corpus, 1, drop=frozenset({"金子道仁", "原"})))
    assert dropped == [["議員", "原材料費", "高騰", "安全保障"]]


def test_a_planted_cache_file_cannot_run_code(tmp_path):
    import os
    import pickle

    s = settings()
    chunks = meetings(1)
    expected = terms(chunks, s, cache=TokenCache(tmp_path, s))
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for entry in tmp_path.rglob("*.pkl"):
        payload = pickle.dumps(Payload())
        entry.write_bytes(checksum(payload) + payload)  # past the checksum, to the reader
    missed: list[int] = []
    assert terms(chunks, s, cache=TokenCache(tmp_path, s), missed=missed) == expected
    assert missed == [0]
    assert not marker.exists()


def test_terms_are_the_same_in_any_block_size():
    # corpus_terms expands tokens in blocks; a block edge must never move a term.
    corpus = tokenized([PARAGRAPHS[:40], [""], PARAGRAPHS[40:80]], settings()).corpus
    whole = list(corpus_terms(corpus, 2))
    assert len(whole) == 81 and whole[40] == []
    for block in (1, 7, 100):
        assert list(corpus_terms(corpus, 2, block=block)) == whole


_WORDS = ["安全", "保障", "経済", "特区", "中曽根", "議員"]
_units = st.one_of(
    st.sampled_from(_WORDS).map(lambda w: (w, w, ())),
    st.lists(st.sampled_from(_WORDS), min_size=2, max_size=4).map(
        lambda ws: ("".join(ws), "".join(ws), tuple((w, w, w, True, True, True) for w in ws))),
)


@examples(max_examples=n_examples(200), deadline=None)
@given(units=st.lists(_units, min_size=1, max_size=10, unique=True), data=st.data(),
       drop=st.frozensets(st.sampled_from(["中曽根", "特区"]), max_size=1))
def test_corpus_terms_are_each_tokens_unit_terms_in_document_order(units, data, drop):
    # Units no document uses are in the table too (another worker's, a cached meeting's):
    # they count for nothing and the counts of the others decide.
    docs = data.draw(st.lists(st.lists(st.integers(0, len(units) - 1), max_size=6),
                              min_size=1, max_size=5))
    ids = [i for doc in docs for i in doc]
    corpus = CorpusUnits(units, np.array(ids, np.int32), np.array(list(map(len, docs)), np.int32))
    occurrences = {units[i]: ids.count(i) for i in sorted(set(ids))}
    final = unit_terms(occurrences, 2, drop=drop)
    expected = [[t for i in doc for t in final[units[i]]] for doc in docs]
    assert list(corpus_terms(corpus, 2, drop=drop)) == expected


@pytest.mark.skipif(sys.platform != "linux", reason="pipe sizes are a Linux setting")
def test_worker_pipes_hold_several_chunks():
    # A chunk of text (~120 KB) must not wait in a 64 KB pipe for the busy parent.
    import fcntl

    ex = LocalExecutor(2)
    try:
        assert list(ex.map(abs, [-1, 2])) == [1, 2]
        for queue in (ex._pool._inqueue, ex._pool._outqueue):
            assert fcntl.fcntl(queue._writer.fileno(), fcntl.F_GETPIPE_SZ) >= 1 << 20
    finally:
        ex.close()


def _entries(tmp_path) -> list[Path]:
    return sorted(tmp_path.rglob("*.pkl"))


def test_an_entry_copied_to_another_chunk_is_not_trusted(tmp_path):
    # A well-formed entry planted at a chunk's name (here: the other chunk's entry) would give
    # that chunk's documents someone else's terms.
    s = settings()
    chunks = meetings(2)
    expected = terms(chunks, s, cache=TokenCache(tmp_path, s))
    first, second = _entries(tmp_path)
    first.write_bytes(second.read_bytes())
    missed: list[int] = []
    assert terms(chunks, s, cache=TokenCache(tmp_path, s), missed=missed) == expected
    assert len(missed) == 1


@pytest.mark.parametrize("damage", ["index out of range", "negative index", "lengths too long",
                                    "one document too many", "unit not a tuple"])
def test_an_inconsistent_entry_is_tokenized_again(tmp_path, damage):
    import pickle

    import numpy as np

    s = settings()
    chunks = meetings(2)
    expected = terms(chunks, s, cache=TokenCache(tmp_path, s))
    for path in _entries(tmp_path):
        entry = list(pickle.loads(path.read_bytes()[32:]))  # after the checksum
        at = next(i for i, x in enumerate(entry) if isinstance(x, bytes))  # ids, then lengths
        units_at = at - 1
        ids = np.frombuffer(entry[at], np.int32).copy()
        lengths = np.frombuffer(entry[at + 1], np.int32).copy()
        if damage == "index out of range":
            ids[-1] = len(entry[units_at]) + 5
        elif damage == "negative index":
            ids[0] = -1
        elif damage == "lengths too long":
            lengths[-1] += 3
        elif damage == "one document too many":
            lengths = np.append(lengths, 0).astype(np.int32)
        else:
            entry[units_at] = ("x", *entry[units_at][1:])
        entry[at], entry[at + 1] = ids.tobytes(), lengths.tobytes()
        payload = pickle.dumps(tuple(entry))
        path.write_bytes(checksum(payload) + payload)  # damage the checksum does not see
    missed: list[int] = []
    assert terms(chunks, s, cache=TokenCache(tmp_path, s), missed=missed) == expected
    assert missed == [0, 1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_at_an_entry_is_a_miss_not_a_hang(tmp_path):
    import threading

    s = settings()
    chunks = meetings(1)
    expected = terms(chunks, s, cache=TokenCache(tmp_path, s))
    (entry,) = _entries(tmp_path)
    entry.unlink()
    os.mkfifo(entry)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.setdefault(
        "terms", terms(chunks, s, cache=TokenCache(tmp_path, s))), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "reading the cache blocked on a FIFO"
    assert result["terms"] == expected
    assert entry.is_file()  # rewritten as a regular entry


class _Counted:
    """Counts calls of what lists a folder, and the items copied when an array grows."""

    def __init__(self, monkeypatch):
        import pipeline.tokenize.chunks as chunks
        import pipeline.tokenize.extract as extract

        self.scans = 0
        self.copied = 0
        real_grown = extract.grown

        def counting(fn):
            def wrapper(*args, **kwargs):
                self.scans += 1
                return fn(*args, **kwargs)
            return wrapper

        def grown(array, size):
            out = real_grown(array, size)
            self.copied += len(array) if out is not array else 0
            return out

        for owner, name in ((os, "scandir"), (os, "listdir"), (Path, "iterdir"),
                            (Path, "glob"), (Path, "rglob")):
            monkeypatch.setattr(owner, name, counting(getattr(owner, name)))
        monkeypatch.setattr(extract, "grown", grown)
        monkeypatch.setattr(chunks, "grown", grown)


def _distinct_meetings(n: int) -> list[list[str]]:
    # Each meeting its own text (its own cache entry) and words never seen before (katakana
    # names spelled from the meeting's number), so the vocabulary grows with the meetings.
    kana = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモ"
    def name(i):
        return "".join(kana[int(d) * 3 + k % 3] for k, d in enumerate(f"{i:05d}"))
    return [[f"{name(i)}氏が{PARAGRAPHS[i % len(PARAGRAPHS)][:60]}"] for i in range(n)]


def test_cost_per_meeting_is_constant_by_count(tmp_path, monkeypatch):
    """Thousands of small meetings with the cache: no folder is listed per entry, chunks hold
    many meetings, and the learned-word tables are not copied once per chunk. Counted, not
    timed: a cost that grows with meetings x entries (or chunks x vocabulary) shows as counts
    that grow with the corpus."""
    s = settings()
    counts = {}
    counted = _Counted(monkeypatch)
    for n in (300, 3000):
        many = _distinct_meetings(n)
        root = tmp_path / str(n)
        scans, copied = counted.scans, counted.copied
        cache = TokenCache(root, s)
        done = tokenized(many, s, cache=cache, chunk_chars=2000)
        cache.finish()
        counts[n] = (counted.scans - scans, counted.copied - copied, done.n_chunks)
        assert len(done.tokenized) == n and len(list(root.glob("*/*.pkl"))) == n
        n_chars = sum(len(t) for m in many for t in m)
        assert done.n_chunks <= n_chars // 2000 + 1  # not one per meeting
        # A rerun reads every meeting back from the cache, listing no folder per entry either.
        scans = counted.scans
        again: list[int] = []
        assert terms(many, s, cache=TokenCache(root, s), missed=again) == \
            list(corpus_terms(done.corpus, 3))
        assert again == [] and counted.scans - scans == 0
    (scans_small, _, chunks_small), (scans, copied, chunks) = counts[300], counts[3000]
    assert chunks >= 5 * chunks_small  # the test has many chunks, and new words in each
    # Folder listings do not grow with the entries (the first run also finds package versions
    # for the settings key).
    assert scans <= scans_small <= 10
    # Doubling: every learned line is copied a bounded number of times in all (per-chunk
    # concatenation would copy the whole table once per chunk: ~chunks / 2 times each).
    vocabulary = 3000 * 5
    assert copied <= 4 * vocabulary, (copied, chunks)


def test_grown_doubles():
    import numpy as np

    from pipeline.tokenize.extract import grown

    array = np.zeros(0, np.int32)
    reallocations = 0
    for size in range(1, 100_001):
        bigger = grown(array, size)
        reallocations += bigger is not array
        array = bigger
    assert len(array) >= 100_000 and reallocations <= 10


def test_a_consistent_change_in_an_entry_is_caught_by_its_checksum(tmp_path):
    # One term id changed to another valid id (a flipped bit) leaves the entry consistent:
    # only its checksum tells, and the meeting is tokenized again (issue 29.3).
    import numpy as np

    s = settings()
    chunks = meetings(1)
    cache = TokenCache(tmp_path, s)
    expected = terms(chunks, s, cache=cache)
    (path,) = _entries(tmp_path)
    data = bytearray(path.read_bytes())
    (key,) = cache.used
    ids = cache.get(key).ids
    at = bytes(data).find(ids.tobytes())
    other = next(i for i in ids if i != ids[0])
    data[at : at + 4] = np.int32(other).tobytes()
    path.write_bytes(bytes(data))
    missed: list[int] = []
    again = TokenCache(tmp_path, s)
    assert terms(chunks, s, cache=again, missed=missed) == expected
    assert missed == [0]
    assert again.notes() == ["1 cache entries were damaged (checksum, content or not a file) "
                             "and their meetings tokenized again"]


def test_a_folder_at_an_entry_is_a_miss_and_goes_away(tmp_path):
    # A folder where an entry should be failed every rerun with "12: Is a directory"
    # (issue 29.7): it is a miss, the run goes on, and the next run has a good entry.
    s = settings()
    chunks = meetings(1)
    expected = terms(chunks, s, cache=TokenCache(tmp_path, s))
    (entry,) = _entries(tmp_path)
    entry.unlink()
    (entry / "inside").mkdir(parents=True)
    for _ in range(2):
        cache = TokenCache(tmp_path, s)
        missed: list[int] = []
        assert terms(chunks, s, cache=cache, missed=missed) == expected
        assert missed == [0]
        cache.finish()
    assert entry.is_file()
    missed = []
    assert terms(chunks, s, cache=TokenCache(tmp_path, s), missed=missed) == expected
    assert missed == []  # the third run reads it


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path, monkeypatch):
    # A read-only cache folder stopped the run (issue 29.9): the cache changes how fast,
    # never what, so the run goes on without it and the log says so.
    import errno
    import tempfile

    s = settings()
    chunks = meetings(2)
    expected = terms(chunks, s)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    cache = TokenCache(tmp_path, s)
    assert terms(chunks, s, cache=cache) == expected
    cache.finish()
    (note,) = cache.notes()
    assert note.startswith("2 cache entries could not be written (")
    assert "Read-only file system" in note
