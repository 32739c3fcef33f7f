"""Procedure: the chair's roles, procedural documents and topics."""

from __future__ import annotations

import pytest

from pipeline.ingest.documents import is_procedural
from pipeline.tokenize.procedure import (
    ProcedureTerms,
    is_procedural_document,
    is_procedural_term,
    procedural_topics,
    procedure_lexicon,
)

ROLES = ("議長", "委員長", "委員長代理", "会長", "会長代理", "座長", "事務総長")


@pytest.mark.parametrize(("role", "procedural"), [
    ("議長", True), ("副議長", True), ("委員長", True), ("予算委員長", True),
    ("政治改革に関する特別委員長", True), ("委員長代理", True), ("会長", True),
    ("事務総長", True), ("委員", False), ("国務大臣", False), ("政府参考人", False),
    ("", False), ("参考人", False), ("理事", False),
])
def test_roles_that_run_a_meeting(role, procedural):
    assert is_procedural(role, ROLES) is procedural


@pytest.mark.parametrize(("speaker", "procedural"), [
    ("委員長", True), ("議長", True), ("副議長", True), ("座長", True), ("田中", False),
])
def test_a_label_that_is_only_a_role_is_its_speaker(speaker, procedural):
    assert is_procedural("", ROLES, speaker) is procedural
    assert is_procedural("", (), speaker) is False  # procedural_roles: [] turns it off


def test_a_topic_of_formulae_is_procedure_and_a_subject_is_not():
    topics = [["動議", "選任", "一任", "互選", "先例", "拉致", "北朝鮮", "解決", "家族", "政府"],
              ["拉致", "北朝鮮", "解決", "拉致被害", "家族", "政府", "核", "政権", "実現", "交渉"],
              ["継続調査要求書", "閉会中審査", "派遣", "委員派遣", "日程", "物価", "日銀", "円安",
               "金利", "賃上げ"]]
    assert procedural_topics(topics) == [True, False, True]


def test_procedural_documents_need_two_terms_and_a_majority():
    assert is_procedural_document(["動議", "提出", "選任"])
    assert not is_procedural_document(["動議"])
    assert not is_procedural_document(["法案", "採決", "反対", "理由", "財源"])


def test_the_shipped_lexicon_is_read_without_comments():
    lexicon = procedure_lexicon()
    assert {"異議", "散会", "付託"} <= lexicon
    assert not any(w.startswith("#") for w in lexicon)


def test_procedure_terms_decide_each_term_once_as_the_lexicon_does():
    known = ProcedureTerms()
    terms = ["動議", "提出", "継続調査要求書", "法案", "財源", "動議"]
    assert [known[t] for t in terms] == [is_procedural_term(t, procedure_lexicon())
                                         for t in terms]
    assert len(known) == 5  # the repeated term was looked up, not searched again
    assert is_procedural_document(["動議", "提出", "選任"], known=known)
    assert not is_procedural_document(["法案", "採決", "反対", "理由", "財源"], known=known)
