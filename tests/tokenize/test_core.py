"""Terms a reader recognizes: names as written, no glosses, compounds, no fillers."""

from __future__ import annotations

import pytest
from _fuzz import n_examples
from _project import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.common.compute import LocalExecutor
from pipeline.common.config import TokensConfig
from pipeline.tokenize.analyzer import Analyzer
from pipeline.tokenize.chunks import Worker
from pipeline.tokenize.core import ExtraWords, TokenizeRun, tokenize_corpus
from pipeline.tokenize.rules import Morpheme, parse_stopwords, shipped_stopwords

ROSTER = frozenset({"岸", "上久保", "後藤"})


@pytest.fixture(scope="module")
def tagger():
    return Analyzer()


def tokenize(texts, stopwords=ROSTER, ex=None, **options):
    """Terms of each text through the real entry point (one meeting, no roster, no
    boilerplate or procedure rules: just the terms)."""
    cfg = TokensConfig(**{"compound_min_count": 1, "boilerplate_min_meetings": 0,
                          "drop_procedural_documents": False, **options})
    docs = [{"doc_id": str(i), "meeting": "m", "text": t} for i, t in enumerate(texts)]
    result = tokenize_corpus(lambda: docs, None, cfg, ExtraWords(frozenset(stopwords)),
                             TokenizeRun(ex))
    return [record["terms"] for record in result.records()]


def terms(texts, tagger=None, **options):
    # `tagger` kept for the call sites' fixtures: every process has one Analyzer (Worker).
    return tokenize(texts, **options)


@pytest.mark.parametrize(("text", "present", "absent"), [
    ("中曽根氏の構想について。", {"中曽根", "構想"}, {"ナカソネ"}),
    ("デジタル化とセキュリティ。", {"デジタル"}, {"デジタル-digital", "セキュリティー-security"}),
    ("率直なやり取りがあった。", {"やり取り"}, {"遣り取り"}),
    ("経済安全保障が重要だ。", {"経済安全保障"}, {"安全", "保障"}),
    ("えー、まあ、あの、そう思うことです。", set(), {"えー", "まあ", "あの", "思う", "こと"}),
    ("岸先生と上久保先生に質問。", set(), {"岸", "上久保", "先生", "質問", "岸先生"}),
    ("ＡＩとＩｏＴの２０２１年。", {"AI", "IoT"}, {"ＡＩ", "2021", "２０２１"}),
    ("20省庁それぞれに。", {"省庁"}, {"20", "20省庁"}),
])
def test_terms_read_well(tagger, text, present, absent):
    import unicodedata

    got = set(terms([unicodedata.normalize("NFKC", text)], tagger)[0])
    assert present <= got, got
    assert not (absent & got), got


def test_rare_compound_is_cut_into_frequent_parts(tagger):
    texts = ["デジタル安全保障を論じる。", "安全保障の話。", "安全保障と経済。"]
    got = terms(texts, tagger, compound_min_count=2)
    assert got[0] == ["デジタル", "安全保障"]
    assert got[1] == ["安全保障"]


def test_keep_phrases_stay_whole(tagger):
    got = terms(["産学官連携の推進。"], tagger, keep_phrases=["産学官連携"],
                compound_min_count=5)
    assert "産学官連携" in got[0]


def test_compounds_off_gives_words(tagger):
    got = terms(["経済安全保障。"], tagger, compounds=False)
    assert got[0] == ["経済", "安全", "保障"]


def test_verbs_only_when_asked(tagger):
    text = ["新しい制度を導入し、企業が成長する。"]
    nouns = set(terms(text, tagger)[0])
    with_verbs = set(terms(text, tagger, pos=["noun", "verb", "adjective"])[0])
    assert "成長" in nouns and "新しい" not in nouns
    assert "新しい" in with_verbs


def test_user_stopwords_parse_comments_and_nfkc():
    assert parse_stopwords("# comment\nＡＩ\n\n研究会\n") == frozenset({"AI", "研究会"})


def test_same_input_same_terms(tagger):
    texts = ["特区の規制緩和と材料開発。", "サイバーセキュリティの人材。"] * 3
    first = terms(texts)
    Worker.reset()  # a fresh process: no words learned
    assert terms(texts) == first


def test_parallel_equals_serial_in_order(monkeypatch):
    import pipeline.tokenize.meetings as meetings

    texts = ["特区の規制緩和と材料開発。", "サイバーセキュリティの人材。", "経済安全保障の議論。",
             "産学官連携と材料研究。"] * 25
    serial = terms(texts, compound_min_count=2)
    monkeypatch.setattr(meetings, "CHUNK_CHARS", 200)  # many chunks on a small input
    ex = LocalExecutor(2)
    try:
        parallel = terms(texts, compound_min_count=2, ex=ex)
    finally:
        ex.close()
    assert parallel == serial
    assert parallel[0] != parallel[1]  # order kept, not just the same multiset


@pytest.mark.parametrize("limit", [0, 7])
def test_units_moved_to_disk_give_the_terms_held_in_memory(monkeypatch, limit):
    """The corpus's units and the compound decision in memory (a small corpus) or on disk
    (past unit_store.IN_MEMORY_UNITS: from the start, or in the middle of the chunks)."""
    import pipeline.tokenize.meetings as meetings
    import pipeline.tokenize.unit_store as unit_store

    texts = ["特区の規制緩和と材料開発。", "サイバーセキュリティの人材。", "経済安全保障の議論。",
             "産学官連携と材料研究。", "岸先生の経済特区制度。"] * 8
    monkeypatch.setattr(meetings, "CHUNK_CHARS", 100)
    held = terms(texts, compound_min_count=2)
    monkeypatch.setattr(unit_store, "IN_MEMORY_UNITS", limit)
    ex = LocalExecutor(2)
    try:
        on_disk = terms(texts, compound_min_count=2, ex=ex)
    finally:
        ex.close()
    assert on_disk == held
    assert "経済安全保障" in held[2] and "岸" not in held[4]


def test_units_on_disk_from_the_start_give_the_same_records():
    """TokenizeRun.held_units 0 (the stage's choice for a large corpus): the same records."""
    texts = ["特区の規制緩和と材料開発。", "経済安全保障の議論。", "岸先生の経済特区制度。"] * 4
    docs = [{"doc_id": str(i), "meeting": f"m{i % 3}", "text": t} for i, t in enumerate(texts)]
    cfg = TokensConfig(compound_min_count=2, boilerplate_min_meetings=0)
    held, on_disk = (
        list(tokenize_corpus(lambda: docs, None, cfg, ExtraWords(ROSTER),
                             TokenizeRun(held_units=units)).records())
        for units in (None, 0))
    assert on_disk == held and held[2]["terms"] == ["経済特区制度"]


def test_new_words_are_learned_the_same_from_any_document():
    # The word cache learns a word from the first text it appears in; later texts reuse it.
    Worker.reset()
    first = terms(["経済特区の議論。", "経済特区"], compound_min_count=1)
    Worker.reset()
    second = terms(["経済特区"], compound_min_count=1)
    assert first[1] == second[0] == ["経済特区"]


def test_collocations_join_pairs_used_together():
    from pipeline.tokenize.collocations import join_collocations

    docs = [["データ", "流通", "自治体"]] * 6 + [["データ", "活用"], ["流通", "経路"]]
    joined = join_collocations(docs, min_count=5, threshold=0.5)
    assert joined[0] == ["データ流通", "自治体"]
    assert joined[-1] == ["流通", "経路"]


@pytest.mark.parametrize(("old", "new"),
                         [("勞働", "労働"), ("委員會", "委員会"), ("國務大臣", "国務大臣")])
def test_old_character_forms_fold(old, new):
    from pipeline.ingest.transcripts import clean_text

    assert clean_text(old, fold_old=True) == new
    assert clean_text(old, fold_old=False) == old


def test_words_learned_from_the_lattice_equal_the_parse_in_context(tagger):
    # Each new word's features are read from its surface alone; the text's own parse is
    # the authority. Every token line of real minutes must come out the same, including
    # same-cost ties (まかり: 負かる or 罷る, same ids and word cost).
    import json
    import unicodedata

    path = DATA / "kokkai/speeches.jsonl"
    texts = [unicodedata.normalize("NFKC", json.loads(line)["speech"])
             for line in path.read_text(encoding="utf-8").splitlines()]
    texts.append("懸念が広がり、まかり通る。")
    in_context = {}
    for text in texts:
        in_context.update(tagger.morphemes(text))
    learned = tagger.entries(set(in_context))
    assert len(in_context) > 1000
    assert learned == in_context


def test_noun_runs_never_cross_documents(tagger):
    # One chunk holds many documents; a noun ending one and a noun starting the next
    # are two terms, not a compound.
    got = terms(["材料の経済", "特区の規制", "経済特区"], tagger, compound_min_count=1)
    assert got == [["材料", "経済"], ["特区", "規制"], ["経済特区"]]


def test_empty_documents_keep_their_places(tagger):
    assert terms(["", "経済特区", "", "えー"], tagger, compound_min_count=1) == \
        [[], ["経済特区"], [], []]


def test_an_interrupted_learning_step_leaves_the_word_cache_sound(monkeypatch):
    # New lines get their codes before their roles; if learning fails in between (Ctrl-C in
    # a notebook, an error in a task), those codes must go, or every later role shifts.
    from pipeline.tokenize.extract import Extractor
    from pipeline.tokenize.rules import TermFilter

    tagger = Analyzer()
    extractor = Extractor(["noun"], TermFilter(shipped_stopwords()), True)
    real = Analyzer.entries
    calls = []

    def fails_once(self, lines):
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(self, lines)

    monkeypatch.setattr(Analyzer, "entries", fails_once)
    with pytest.raises(KeyboardInterrupt):
        extractor.units(tagger, "経済")
    fresh = Extractor(["noun"], TermFilter(shipped_stopwords()), True)
    for text in ("規制の緩和と政府", "経済", "規制の緩和"):
        assert extractor.units(tagger, text) == fresh.units(tagger, text)


def test_words_missing_from_the_lattice_are_read_from_their_text(monkeypatch):
    # The fallback: a line that the lookup without context misses comes from its text's parse.
    from pipeline.tokenize.extract import Extractor
    from pipeline.tokenize.rules import TermFilter

    tagger = Analyzer()
    text = "経済安全保障と規制緩和の議論"
    expected = Extractor(["noun"], TermFilter(shipped_stopwords()), True).units(tagger, text)
    monkeypatch.setattr(Analyzer, "entries", lambda self, lines: {})
    got = Extractor(["noun"], TermFilter(shipped_stopwords()), True).units(tagger, text)
    assert got == expected and got


@pytest.mark.parametrize(("text", "present", "absent"), [
    ("政治改革に関する特別委員会で審議します。", ["政治改革", "審議"], ["会"]),
    ("第百号固定資産税の条例。", ["固定資産税", "条例"], ["号固定資産税", "号"]),
    ("smaxjp on Twitterで公開。", ["smaxjp", "Twitter"], ["smaxjponTwitter", "on"]),
    ("詳細は https://example.com/id=3 と info@example.jp まで。", ["詳細"],
     ["https", "com", "id", "example"]),
    ("はつきりした結論がない。", ["結論"], ["はつ"]),
])
def test_real_minutes_give_no_fragments(tagger, text, present, absent):
    # The entry point reads terms from text_for_terms(text) (no URLs, Latin words apart).
    [got] = tokenize([text], stopwords=frozenset())
    for term in present:
        assert term in got
    for term in absent:
        assert term not in got


def test_name_parts_give_surnames_and_given_names():
    from pipeline.tokenize.rules import name_parts

    parts = name_parts(["盛山正仁", "川松真一朗", "林芳正", "打越さく良"])
    assert {"盛山", "正仁", "林", "打越", "松真一朗"} <= parts
    assert "" not in parts


@pytest.mark.parametrize("pos", [["noun", "proper_noun"], ["noun", "verb", "adjective"],
                                 ["proper_noun"], ["verb"]])
def test_words_skipped_by_part_of_speech_are_words_the_rules_drop(tagger, pos):
    # The extractor reads no features for a word whose context id says it cannot be a term
    # (rules.may_be_term): on real minutes, that must be exactly what `decide` would say.
    import json
    import unicodedata

    from pipeline.tokenize.rules import Role, TermFilter, decide, may_be_term

    path = DATA / "kokkai/speeches.jsonl"
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found.update(tagger.morphemes(unicodedata.normalize("NFKC", json.loads(line)["speech"])))
    wanted = frozenset(pos)
    skipped = 0
    for line, m in found.items():
        # The id's part of speech can differ from the features' (an unknown run of ― is 名詞
        # by its id, 記号 by its features): what matters is that a skipped word is dropped.
        if not may_be_term(tagger.pos1(line), wanted):
            skipped += 1
            for compounds in (True, False):
                assert decide(m, wanted, TermFilter(frozenset()), compounds).role == Role.DROP
    assert skipped > 100


@settings(max_examples=n_examples(300), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 \t\u3000@.:/-_httpswww。経済ＡＢ・"))
               | st.characters(), max_size=40))
def test_text_for_terms_checks_are_only_shortcuts(text):
    # The character checks before each search skip work, never a match.
    from pipeline.tokenize.rules import _LATIN_SPACE, _URL, text_for_terms

    assert text_for_terms(text) == _LATIN_SPACE.sub("・", _URL.sub(" ", text))


def test_metrics_count_the_records_and_only_once_they_are_read():
    cfg = TokensConfig(compound_min_count=1, boilerplate_min_meetings=0)
    docs = [{"doc_id": "a", "meeting": "m", "text": "特区の話です。"},
            {"doc_id": "b", "meeting": "m", "text": "えー。"}]
    result = tokenize_corpus(lambda: docs, None, cfg)
    with pytest.raises(RuntimeError, match="read them all first"):
        result.metrics()  # the counts would be zeros: records() makes them
    records = list(result.records())
    metrics = result.metrics()
    assert metrics["n_documents"] == 2 and metrics["documents_without_terms"] == 1
    assert metrics["n_tokens"] == sum(len(r["terms"]) for r in records) > 0
    with pytest.raises(RuntimeError, match="once"):
        result.records()


def test_unknown_words_carry_the_features_their_text_gives(tagger):
    # An unknown word's fast-pass line carries its own features (no parse alone, no
    # lattice): they must be exactly those of the full parse of its text, token by token.
    import json
    import unicodedata

    path = DATA / "kokkai/speeches.jsonl"
    texts = [unicodedata.normalize("NFKC", json.loads(line)["speech"])
             for line in path.read_text(encoding="utf-8").splitlines()]
    texts.append("グラバニョール社のZentrixは3,482億円、12.7%増。〇二四年版中小企業白書、ーー。")
    n_unknown = 0
    for text in texts:
        fast = [line for line in tagger.lines(text) if line]
        full = [line.split("\t") for line in tagger.full.parse(text).split("\n") if line]
        assert len(fast) == len(full)
        for line, fields in zip(fast, full, strict=True):
            if line.count("\t") == 5:
                n_unknown += 1
                want = Morpheme(fields[0], fields[3], fields[4] or "*", fields[5] or "*",
                                fields[6] or fields[0])
                assert tagger.entries({line}) == {line: want}
                assert tagger.pos1(line) == fields[3]
    assert n_unknown > 50
