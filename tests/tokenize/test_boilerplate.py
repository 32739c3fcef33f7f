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
    assert list(there._sizes) == list(here._sizes)
    n_segments = sum(here._sizes)  # the digests in order, kept on disk: read them all back
    assert there._digests.read(n_segments) == here._digests.read(n_segments)
    assert len(here._digests.read(1)) == 0


POLICY = "意思決定に女性が参画することを官民の目標とし、取組を進めます。"


def test_one_speakers_repeated_sentence_is_speech_but_several_speakers_make_a_formula():
    # The Prime Minister repeats a policy sentence in three meetings; the chairs of three
    # meetings say the same formula.
    docs = [(f"m{m}", "総理", f"{POLICY}第{m}の論点です。") for m in range(3)]
    docs += [(f"m{m}", f"委員長{m}", f"{FORMULA}議題{chr(0x4e00 + m)}。") for m in range(3)]
    keys = found_in_keys(find_boilerplate(docs, 3, 5, min_speakers=2), docs)
    assert normalize(FORMULA) in keys and normalize(POLICY) not in keys
    # min_speakers 1 is the rule of meetings alone: the policy sentence goes too.
    assert normalize(POLICY) in found_in_keys(find_boilerplate(docs, 3, 5), docs)


def test_documents_without_a_speaker_count_as_speakers_of_their_own():
    docs = [(f"m{m}", "", f"{FORMULA}記事{m}。") for m in range(3)]
    assert normalize(FORMULA) in found_in_keys(find_boilerplate(docs, 3, 5, min_speakers=2),
                                               docs)


def found_in_keys(found, docs) -> frozenset[str]:
    for *_, text in docs:
        found.strip_next(text)
    return found.keys


FOOTERS = ["記事執筆：MAX（エスマックス） Twitter @smaxjp リンク",
           "記事執筆：S-MAX（エスマックス） Twitter @memn0ck https://s-max.jp/a/1 リンク",
           "記事執筆：Taka（エスマックス） Twitter @taka2024 https://s-max.jp/b/22 リンク"]


def test_a_footer_with_a_changing_handle_and_link_is_a_near_duplicate():
    docs = [(f"a{i}", f"筆者{i}", f"新しい端末{chr(0x4e00 + i)}が出ました。\n{footer}\n")
            for i, footer in enumerate(FOOTERS)]
    found = find_boilerplate(docs, 3, 5, min_speakers=2)
    stripped = [found.strip_next(text) for *_, text in docs]
    assert all(n == 1 and "記事執筆" not in text for text, n in stripped)
    assert found.n_near == 1 and found.near_examples == ((FOOTERS[0], 3),)
    assert found.examples == found.near_examples


def test_a_sentence_differing_in_a_number_stays_unless_it_recurs_across_speakers():
    # One minister gives a different figure in each meeting: speech. Two speakers in three
    # meetings say the same thing with other numbers: a formula.
    docs = [(f"m{m}", "大臣", f"予算は{m + 3}兆円です。論点{chr(0x4e00 + m)}。") for m in range(3)]
    assert not any("予算は" in k for k in found_in_keys(
        find_boilerplate(docs, 3, 5, min_speakers=2), docs))
    docs[1] = ("m1", "委員", docs[1][2])
    assert normalize("予算は3兆円です。") in found_in_keys(
        find_boilerplate(docs, 3, 5, min_speakers=2), docs)
