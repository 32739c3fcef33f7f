"""Themes: read strictly (a name or a seed set given twice is an error, an empty file is no
themes) and checked against the number of topics before any fitting."""

from __future__ import annotations

import pytest

from pipeline.common.errors import PipelineError
from pipeline.model.themes import Theme, check_themes_fit_k, load_themes, parse_themes


def themes(n: int, coding: int = 0) -> list[Theme]:
    return [Theme(f"t{i}", (f"s{i}",)) for i in range(n)] + [
        Theme(f"c{i}", (f"x{i}",), guides=False) for i in range(coding)]


@pytest.mark.parametrize(("n", "n_topics", "k_max"), [
    (0, "auto", 2), (3, "auto", 4), (3, 4, 12), (11, "auto", 12), (2, 3, 2)])
def test_themes_that_fit_k(n, n_topics, k_max):
    check_themes_fit_k(themes(n, coding=20), n_topics, k_max, "t.yaml")


@pytest.mark.parametrize(("n", "n_topics", "k_max", "message"), [
    (12, "auto", 12, "t.yaml: 12 themes need at least 13 topics but model.k_max is 12; set "
     "model.k_max to 13 or more, or move themes to coding_themes (coded, not seeded)"),
    (15, 10, 12, "t.yaml: 15 themes need at least 16 topics but model.n_topics is 10; set "
     "model.n_topics to 16 or more, or move themes to coding_themes (coded, not seeded)"),
    (1, "auto", 1, "t.yaml: 1 theme needs at least 2 topics but model.k_max is 1; set "
     "model.k_max to 2 or more, or move themes to coding_themes (coded, not seeded)"),
])
def test_too_many_themes_for_k(n, n_topics, k_max, message):
    with pytest.raises(PipelineError) as caught:
        check_themes_fit_k(themes(n), n_topics, k_max, "t.yaml")
    assert str(caught.value) == message


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing here\n", "themes:\n",
                                  "themes: {}\ncoding_themes:\n"])
def test_an_empty_themes_file_is_no_themes(tmp_path, text):
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_themes(path) == []


def test_seed_sets_are_compared_after_nfkc():
    data = {"themes": {"a": ["ＡＩ", "データ"]}, "coding_themes": {"b": ["データ", "AI"]}}
    with pytest.raises(PipelineError, match="themes 'a' and 'b' have the same seed words"):
        parse_themes(data, "t.yaml")


def test_a_key_given_twice_anywhere_is_an_error(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("themes:\n  a: [x]\nthemes:\n  b: [y]\n", encoding="utf-8")
    with pytest.raises(PipelineError) as caught:
        load_themes(path)
    assert str(caught.value) == (f"{path}:3: 'themes' is given twice (first on line 1); give "
                                 "each name once (YAML would keep only the last)")


def test_themes_file_is_read_safely(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("themes: !!python/object/apply:os.system [echo hi]\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"themes.yaml:1: malformed YAML"):
        load_themes(path)
