"""Chunked tokenizing: the cache, the executors, and outputs that never depend on either."""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from pipeline.common.compute import DaskExecutor, LocalExecutor
from pipeline.tokenize.cache import TokenCache
from pipeline.tokenize.tokens import shipped_stopwords
from pipeline.tokenize.units import (
    TokenSettings,
    chunk_texts,
    corpus_terms,
    tokenize_chunks,
)

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "data/nakasone_digital_economy_2021-02-02.txt").read_text(encoding="utf-8")
PARAGRAPHS = [p.strip() for p in TEXT.split("\n") if len(p.strip()) > 20]


def settings(extra: frozenset[str] = frozenset()) -> TokenSettings:
    return TokenSettings.make(["noun", "proper_noun"], shipped_stopwords() | extra)


def terms(chunks, s, ex=None, cache=None, missed=None) -> list[list[str]]:
    corpus = tokenize_chunks(chunks, s, ex, cache, missed=missed)
    return list(corpus_terms(corpus, 3))


def meetings(n: int) -> list[list[str]]:
    """n 'meetings' of a few paragraphs each."""
    size = len(PARAGRAPHS) // n
    return [PARAGRAPHS[i * size : (i + 1) * size] for i in range(n)]


def test_chunking_does_not_change_terms():
    s = settings()
    whole = terms([PARAGRAPHS], s)
    assert whole == terms(list(chunk_texts(PARAGRAPHS, 500)), s)
    assert any("安全保障" in t for t in whole)


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
    corpus = tokenize_chunks(chunks, s, cache=TokenCache(tmp_path, s), missed=missed)
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


@examples(max_examples=200, deadline=None)
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


def test_worker_processes_give_the_serial_terms():
    s = settings()
    chunks = list(chunk_texts(PARAGRAPHS, 2000))
    ex = LocalExecutor(2)
    try:
        assert terms(chunks, s, ex) == terms(chunks, s)
    finally:
        ex.close()


def test_cache_with_workers_keeps_order(tmp_path):
    s = settings()
    chunks = list(chunk_texts(PARAGRAPHS, 2000))
    expected = terms(chunks, s)
    # Half the chunks cached, half computed by workers: order must hold.
    terms(chunks[::2], s, cache=TokenCache(tmp_path, s))
    ex = LocalExecutor(2)
    missed: list[int] = []
    try:
        assert terms(chunks, s, ex, TokenCache(tmp_path, s), missed) == expected
    finally:
        ex.close()
    assert missed == list(range(1, len(chunks), 2))


def test_dask_local_cluster_gives_the_local_terms():
    s = settings()
    chunks = list(chunk_texts(PARAGRAPHS, 4000))
    ex = DaskExecutor(None, 2)
    try:
        assert ex.n_workers == 2
        assert terms(chunks, s, ex) == terms(chunks, s)
    finally:
        ex.close()


def test_speaker_names_leave_terms_and_break_compounds():
    s = settings()
    corpus = tokenize_chunks([["金子道仁議員は原材料費の高騰と安全保障について質問した。"]], s)
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
        entry.write_bytes(pickle.dumps(Payload()))
    missed: list[int] = []
    assert terms(chunks, s, cache=TokenCache(tmp_path, s), missed=missed) == expected
    assert missed == [0]
    assert not marker.exists()


def test_terms_are_the_same_in_any_block_size():
    # corpus_terms expands tokens in blocks; a block edge must never move a term.
    corpus = tokenize_chunks([PARAGRAPHS[:40], [""], PARAGRAPHS[40:80]], settings())
    whole = list(corpus_terms(corpus, 2))
    assert len(whole) == 81 and whole[40] == []
    for block in (1, 7, 100):
        assert list(corpus_terms(corpus, 2, block=block)) == whole


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
        entry = list(pickle.loads(path.read_bytes()))
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
        path.write_bytes(pickle.dumps(tuple(entry)))
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
