"""Boilerplate: recurring formulae are found from the corpus and taken out of what is modelled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.tokenize.boilerplate import find_boilerplate, normalize, segments

FORMULA = "御異議ないと認めます。"


def found_in(docs: list[tuple[str, str]], min_meetings: int = 3, min_docs: int = 5):
    """find_boilerplate, then every document stripped in order, as the tokenizer does (the
    segments are named as they are dropped)."""
    found = find_boilerplate(docs, min_meetings, min_docs)
    for _, text in docs:
        found.strip_next(text)
    return found


def minutes(n_meetings: int, extra: str = "") -> list[tuple[str, str]]:
    docs = []
    for m in range(n_meetings):
        docs.append((f"m{m}", f"{FORMULA}拉致問題について第{m}回目の質問です。{extra}"))
        docs.append((f"m{m}", f"午後{m + 1}時{m + 2}分散会"))
    return docs


def test_a_sentence_in_many_meetings_is_boilerplate_and_numbers_do_not_hide_it():
    found = found_in(minutes(4), min_meetings=3, min_docs=5)
    assert normalize(FORMULA) in found.keys
    assert normalize("午後一時二分散会") in found.keys  # every time of day is one formula
    assert found.counted_in == "meetings"
    text, dropped = found.strip(f"{FORMULA}拉致問題について伺います。")
    assert (text, dropped) == ("拉致問題について伺います。", 1)


def test_the_subject_of_each_meeting_is_not_boilerplate():
    docs = [(f"m{m}", f"{FORMULA}議題は{topic}です。") for m, topic in
            enumerate(["拉致", "物価", "災害", "教育"])]
    assert not any("議題は" in k for k in found_in(docs, 3, 5).keys)


def test_a_sentence_in_too_few_meetings_stays():
    assert find_boilerplate(minutes(2), min_meetings=3, min_docs=50).keys == frozenset()


def test_one_meeting_counts_documents_once_there_are_enough_of_them():
    many = [("m", f"{FORMULA}話題{i}は{chr(0x4e00 + i)}です。") for i in range(40)]
    found = found_in(many, min_meetings=3, min_docs=5)
    assert found.counted_in == "documents" and normalize(FORMULA) in found.keys
    few = many[:6]  # six documents cannot tell a formula from their subject
    assert find_boilerplate(few, min_meetings=3, min_docs=5).keys == frozenset()


def test_zero_turns_it_off():
    assert find_boilerplate(minutes(10), min_meetings=0, min_docs=5).keys == frozenset()


def test_examples_name_the_most_common_first():
    found = found_in(minutes(5) + [("x", FORMULA)], min_meetings=3, min_docs=5)
    assert found.examples[0] == (FORMULA, 6)


@given(st.text(alphabet="あいう。！\n 　漢字12", max_size=60))
def test_strip_only_removes_whole_segments(text):
    found = find_boilerplate([(f"m{i}", "あい。") for i in range(3)], 3, 5)
    kept, dropped = found.strip(text)
    assert dropped == sum(normalize(s) in found.keys for s in segments(text))
    assert len(kept) <= len(text)
    if not dropped:
        assert kept == text


def _reference(docs, min_meetings, min_docs):
    """The rule in plain Python on the segments' text: what the digests must reproduce."""
    meetings, n_docs = {}, {}
    for meeting, text in docs:
        for key in {normalize(s) for s in segments(text)}:
            if len(key) >= 2:
                meetings.setdefault(key, set()).add(meeting)
                n_docs[key] = n_docs.get(key, 0) + 1
    if len({m for m, _ in docs}) >= min_meetings:
        return {k for k, v in meetings.items() if len(v) >= min_meetings}
    if len(docs) < 4 * min_docs:
        return set()
    return {k for k, v in n_docs.items() if v >= min_docs}


@given(st.lists(st.tuples(st.sampled_from("abcd"),
                          st.lists(st.sampled_from(["御異議ないと認めます。", "午後1時散会\n",
                                                    "午後二時散会\n", "質問です。", "はい。",
                                                    "拉致問題。", " 。", "あ"]),
                                   max_size=5).map("".join)),
                max_size=30),
       st.integers(1, 4), st.integers(1, 4))
def test_digests_find_what_the_segments_text_would(docs, min_meetings, min_docs):
    found = found_in(docs, min_meetings, min_docs)
    assert found.keys == _reference(docs, min_meetings, min_docs)
    assert found.n_keys == len(found.keys)


def test_strip_next_equals_strip_document_by_document():
    docs = minutes(6, extra="御異議ないと認めます。") + [("m9", "午後三時散会\n本日の議題。")]
    by_order = find_boilerplate(docs, 3, 5)
    each = find_boilerplate(docs, 3, 5)
    for _, text in docs:
        assert by_order.strip_next(text) == each.strip(text)


def test_digests_counted_in_worker_batches_are_those_of_one_pass():
    # Batches of a few documents through two processes: the same segments found, and the
    # same per-document digests kept for strip_next, as in one pass here.
    docs = minutes(12, extra="本日は以上です。")
    from pipeline.common.compute import LocalExecutor

    here = find_boilerplate(docs, 3, 5)
    ex = LocalExecutor(2)
    try:
        there = find_boilerplate(docs, 3, 5, ex.map, batch_chars=40)
    finally:
        ex.close()
    assert there.found == here.found and len(here.found) >= 2
    assert list(there._digests) == list(here._digests)
    assert list(there._sizes) == list(here._sizes)
