"""What tokenize keeps per token and per document goes to temporary files, not memory: read
back, it is what was written, and the terms are those of arrays held in memory."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pipeline.tokenize.chunks import CorpusUnits, TokenIds, corpus_terms
from pipeline.tokenize.compounds import word
from pipeline.tokenize.core import DocRef, DocRefs

UNITS = [word(s, s) for s in ("国会", "予算", "委員会", "質問", "中曽根")]


@given(st.lists(st.lists(st.integers(0, 2**31 - 1), max_size=6), max_size=6),
       st.integers(0, 40), st.integers(0, 40))
def test_token_ids_read_back_as_written(parts, start, stop):
    ids = TokenIds()
    for part in parts:
        ids.append(np.array(part, dtype=np.int64))
    whole = np.array([i for part in parts for i in part], dtype=np.int32)
    assert len(ids) == len(whole)
    assert ids[start:stop].tolist() == whole[start:stop].tolist()


@given(st.lists(st.lists(st.integers(0, len(UNITS) - 1), max_size=8), min_size=1, max_size=8),
       st.integers(1, 5))
def test_terms_from_spilled_ids_in_small_blocks_are_those_from_memory(docs, block):
    lengths = np.array(list(map(len, docs)), np.int32)
    flat = np.array([i for doc in docs for i in doc], np.int32)
    spilled = TokenIds()
    spilled.append(flat)
    in_memory = list(corpus_terms(CorpusUnits(UNITS, flat, lengths), 2))
    assert list(corpus_terms(CorpusUnits(UNITS, spilled, lengths), 2, block=block)) == in_memory


@given(st.lists(st.tuples(st.text(min_size=1, max_size=5),
                          st.one_of(st.integers(0, 3), st.floats(0, 2)),
                          st.text(max_size=5)), max_size=8))
def test_doc_refs_read_back_as_written(rows):
    refs = DocRefs()
    for row in rows:
        refs.append(DocRef(*row))
    back = list(refs)
    assert back == [DocRef(*row) for row in rows]
    assert [type(r.weight) for r in back] == [type(row[1]) for row in rows]
    assert len(refs) == len(rows)


@given(st.lists(st.tuples(st.sampled_from(["m1", "m2", "m3", "m4"]),
                          st.sampled_from(["岸", "後藤", ""]),
                          st.lists(st.sampled_from(["御異議ないと認めます。", "散会いたします。",
                                                    "予算の話です。", "午後一時散会\n"]),
                                   max_size=4).map("".join)), max_size=30),
       st.integers(0, 3))
def test_boilerplate_counted_in_partitions_is_counted_over_the_whole(docs, bits):
    # Past SPILL_ROWS, the (digest, meeting, speaker) rows go to 2**bits files by the
    # digest's first bits and are counted one file at a time: the same segments found as
    # when every row is held and counted at once.
    import pytest

    from pipeline.tokenize import boilerplate

    found = []
    for n_bits, spill_rows in ((0, 10**9), (bits, 3)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(boilerplate, "PARTITION_BITS", n_bits)
            patch.setattr(boilerplate, "SPILL_ROWS", spill_rows)
            result = boilerplate.find_boilerplate(docs, 2, 2, batch_chars=20, min_speakers=2)
            found.append((result.found, result.counted_in))
    assert found[0] == found[1]
