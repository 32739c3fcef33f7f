"""Tests for pipeline/common/config.py: the params schema and its error messages."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from _fuzz import n_examples
from _project import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.config import PipelineConfig, load_config, parse_config
from pipeline.common.errors import PipelineError

REPO = ROOT
SHIPPED = REPO / "configs" / "pipeline.yaml"


@pytest.fixture
def shipped():
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def with_change(data, section, key, value):
    changed = copy.deepcopy(data)
    if section is None:
        changed[key] = value
    else:
        changed[section][key] = value
    return changed


def test_shipped_config_validates():
    config = load_config(SHIPPED)
    assert isinstance(config, PipelineConfig)
    assert config.seed == 42
    assert config.ingest.input == "data/nakasone_digital_economy_2021-02-02.txt"
    assert (REPO / config.ingest.input).is_file()
    assert config.tokens.stopwords_file is not None
    assert (REPO / config.tokens.stopwords_file).is_file()


def test_shipped_config_holds_every_value(shipped):
    """Every field of every section is written out in the shipped file."""
    for name, field in PipelineConfig.model_fields.items():
        assert name in shipped, name
        section = field.annotation
        if isinstance(section, type) and hasattr(section, "model_fields"):
            assert set(shipped[name]) == set(section.model_fields), name


def test_every_field_has_a_description():
    for name, field in PipelineConfig.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and hasattr(section, "model_fields"):
            for key, sub in section.model_fields.items():
                assert sub.description, f"{name}.{key}"
        else:
            assert field.description, name


def test_config_is_frozen():
    config = load_config(SHIPPED)
    before = config.model.n_topics
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is internal
        config.model.n_topics = 3 if before != 3 else 4
    assert config.model.n_topics == before


@pytest.mark.parametrize(
    ("section", "key", "value", "needles"),
    [
        ("model", "n_topcs", 8, ["model.n_topcs", "unknown key"]),
        (None, "sed", 1, ["sed", "unknown key"]),
        ("model", "n_topics", "many", ["model.n_topics", "many"]),
        ("model", "n_topics", 1, ["model.n_topics", "2"]),
        ("model", "n_topics", 0, ["model.n_topics"]),
        ("ingest", "unit", "word", ["ingest.unit", "word"]),
        ("speakers", "ci", 1.5, ["speakers.ci", "1.5"]),
        ("vectorize", "max_df", 0, ["vectorize.max_df"]),
        ("ingest", "aliases", {"A": 1}, ["ingest.aliases.A"]),
        ("model", "k_min", 9, ["k_min (9)", "k_max (8)"]),
    ],
)
def test_bad_values_name_the_key(shipped, section, key, value, needles):
    data = with_change(shipped, section, key, value)
    if key == "k_min":
        data["model"]["k_max"] = 8
    with pytest.raises(PipelineError) as info:
        parse_config(data, "configs/pipeline.yaml")
    message = str(info.value)
    for needle in needles:
        assert needle in message
    assert all(line.startswith("configs/pipeline.yaml: ") for line in message.splitlines())


def test_k_min_above_k_max_fails(shipped):
    data = copy.deepcopy(shipped)
    data["model"].update(n_topics="auto", k_min=10, k_max=4)
    with pytest.raises(PipelineError, match=r"k_min \(10\) must be <= k_max \(4\)"):
        parse_config(data, "p.yaml")


def test_k_min_equal_k_max_is_fine(shipped):
    data = copy.deepcopy(shipped)
    data["model"].update(n_topics="auto", k_min=6, k_max=6)
    assert parse_config(data).model.k_min == 6


def test_n_topics_auto_is_accepted(shipped):
    data = with_change(shipped, "model", "n_topics", "auto")
    assert parse_config(data).model.n_topics == "auto"


def test_all_errors_reported_together(shipped):
    data = with_change(shipped, "model", "n_topcs", 8)
    data["ingest"]["unit"] = "word"
    with pytest.raises(PipelineError) as info:
        parse_config(data, "p.yaml")
    message = str(info.value)
    assert "model.n_topcs: unknown key" in message
    assert "ingest.unit" in message


def test_missing_required_section(shipped):
    del shipped["ingest"]
    with pytest.raises(PipelineError, match=r"^p\.yaml: ingest: required key is missing$"):
        parse_config(shipped, "p.yaml")


def test_defaults_fill_missing_sections():
    config = parse_config({"ingest": {"input": "data"}})
    assert config.model.n_topics == "auto"
    assert config.ingest.unit == "auto"
    assert config.model.themes_file is None and config.tokens.stopwords_file is None


# The files a project names itself: no default could fit every project (a config that names
# no themes or stopwords file has none), so these are the only keys the shipped file sets to
# something else than the schema's default.
# Files the project names itself (null in the schema: none; DVC needs a file, so the shipped
# config names empty ones).
PROJECT_FILES = {"ingest.input", "model.themes_file", "tokens.stopwords_file", "ingest.roster",
                 "ingest.meetings", "score.input"}


def _defaults() -> dict[str, object]:
    """Every key of the schema with its default, as dotted paths (sections flattened)."""
    out: dict[str, object] = {}
    for name, field in PipelineConfig.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and hasattr(section, "model_fields"):
            for key, sub in section.model_fields.items():
                if sub.is_required():
                    out[f"{name}.{key}"] = None
                    continue
                value = sub.get_default(call_default_factory=True)
                out[f"{name}.{key}"] = value.model_dump() if hasattr(value, "model_dump") \
                    else value
        else:
            out[name] = field.get_default(call_default_factory=True)
    return out


def test_schema_defaults_are_the_shipped_values(shipped):
    """One source of defaults: leaving a key out of the config means its shipped value."""
    defaults = _defaults()
    flat: dict[str, object] = {}
    for name, section in shipped.items():
        if isinstance(section, dict):
            flat.update({f"{name}.{key}": value for key, value in section.items()})
        else:
            flat[name] = section
    assert set(flat) == set(defaults)
    differ = {key: (flat[key], defaults[key]) for key in flat
              if flat[key] != defaults[key] and key not in PROJECT_FILES}
    assert differ == {}
    # Leaving out everything but the required input gives the shipped config.
    minimal = parse_config({"ingest": {"input": shipped["ingest"]["input"]}}).model_dump()
    full = parse_config(shipped).model_dump()
    for key in PROJECT_FILES - {"ingest.input"}:
        name, field = key.split(".")
        full[name][field] = None
    assert minimal == full


@pytest.mark.parametrize("data", [None, [], "text", 3])
def test_config_must_be_a_mapping(data):
    with pytest.raises(PipelineError, match=r"^p\.yaml: must be a mapping"):
        parse_config(data, "p.yaml")


def test_unknown_key_from_file(tmp_path, shipped):
    path = tmp_path / "pipeline.yaml"
    path.write_text(
        yaml.safe_dump(with_change(shipped, "model", "n_topcs", 8), allow_unicode=True),
        encoding="utf-8",
    )
    with pytest.raises(PipelineError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: model.n_topcs: unknown key")


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text("seed: 42\ningest:\n  input: data\n  unit: [paragraph\nmodel: {}\n",
                    encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert "malformed YAML" in message
    line = int(message.removeprefix(f"{path}:").split(":", 1)[0])
    assert 4 <= line <= 5


def test_malformed_yaml_tab_indent(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("seed: 1\ningest:\n\tinput: data\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="^" + re.escape(f"{path}:3: malformed YAML")):
        load_config(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(PipelineError, match="config file not found") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes("report:\n  title: 会議\n".encode("cp932"))
    with pytest.raises(PipelineError, match="not UTF-8"):
        load_config(path)


@pytest.mark.parametrize(("value", "message"), [
    (1, "model.k_max: must be >= 2 (got 1)"),
    ("many", "model.k_max: must be a whole number >= 2 or auto (got 'many')"),
    (True, "model.k_max: must be a whole number >= 2 or auto (got True)"),
])
def test_k_max_is_a_number_or_auto(value, message):
    from pipeline.common.config import parse_config

    with pytest.raises(PipelineError) as caught:
        parse_config({"ingest": {"input": "x"}, "model": {"k_max": value}}, "c.yaml")
    assert str(caught.value) == f"c.yaml: {message}"
    assert parse_config({"ingest": {"input": "x"}, "model": {"k_max": "auto"}}).model.k_max \
        == "auto"


# Round 3 (issue 29): every number bounded, every YAML key given once, no aliases.

@pytest.mark.parametrize(("section", "key", "value", "message"), [
    (None, "seed", 2**32, "seed: must be < 4294967296 (got 4294967296)"),
    ("speakers", "n_bootstrap", 10**12, "speakers.n_bootstrap: must be <= 100000 "
     "(got 1000000000000)"),
    ("model", "n_seeds", 10**8, "model.n_seeds: must be <= 50 (got 100000000)"),
    ("vectorize", "min_df", 10**9, "vectorize.min_df: must be <= 1000000 (got 1000000000)"),
    ("vectorize", "min_df", "1e9", "vectorize.min_df: must be a whole number (got '1e9')"),
    ("model", "n_jobs", 100_000, "model.n_jobs: must be <= 1024 (got 100000)"),
    ("tokens", "n_jobs", 100_000, "tokens.n_jobs: must be <= 1024 (got 100000)"),
    ("compute", "n_workers", 100_000, "compute.n_workers: must be <= 1024 (got 100000)"),
    ("model", "n_topics", 10**6, "model.n_topics: must be <= 1000 (got 1000000)"),
    ("vectorize", "max_df", float("inf"), "vectorize.max_df: must be a finite number (got inf)"),
    ("ingest", "max_doc_chars", 10**12, "ingest.max_doc_chars: must be <= 1000000 "
     "(got 1000000000000)"),
])
def test_every_number_is_bounded(tmp_path, shipped, section, key, value, message):
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(with_change(shipped, section, key, value),
                                   allow_unicode=True), encoding="utf-8")
    with pytest.raises(PipelineError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"


def test_the_largest_seed_is_accepted(shipped):
    assert parse_config(with_change(shipped, None, "seed", 2**32 - 1)).seed == 2**32 - 1


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace(
        "  n_seeds: 3\n", "  n_seeds: 3\n  n_seeds: 5\n"), encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index("  n_seeds: 5") + 1
    with pytest.raises(PipelineError) as caught:
        load_config(path)
    assert str(caught.value) == (f"{path}:{line}: 'n_seeds' is given twice (first on line "
                                 f"{line - 1}); give each key once (YAML would keep only the "
                                 "last)")


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = tmp_path / "pipeline.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PipelineError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}:2: an alias (*a0) is not allowed here; write the " \
        "value out"


def _numeric_keys() -> list[tuple[str | None, str]]:
    """(section, key) of every number in the schema (int or float, alone or in a union)."""
    def numeric(annotation) -> bool:
        return annotation in (int, float) or any(a in (int, float)
                                                 for a in getattr(annotation, "__args__", ()))
    keys = []
    for name, field in PipelineConfig.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and hasattr(section, "model_fields"):
            keys += [(name, key) for key, sub in section.model_fields.items()
                     if numeric(sub.annotation)]
        elif numeric(section):
            keys.append((None, name))
    return keys


NUMERIC_KEYS = _numeric_keys()
EXTREMES = st.sampled_from([
    0, -1, 1, 2, -(2**63), 2**31, 2**32, 2**32 - 1, 2**63, 2**64, 10**12, 10**100, 1e9, 1e308,
    -1e308, float("inf"), float("-inf"), float("nan"), 0.5, -0.0, 5e-324, True, False, None,
    "", "1e9", "auto", "many", "１２", "-1", [], [1], {}, {"a": 1}, "∞"])
VALUES = EXTREMES | st.integers() | st.floats() | st.text(max_size=6)


def test_the_fuzz_covers_every_number():
    assert len(NUMERIC_KEYS) >= 30
    assert (None, "seed") in NUMERIC_KEYS and ("speakers", "n_bootstrap") in NUMERIC_KEYS


@settings(max_examples=n_examples(300), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(NUMERIC_KEYS), value=VALUES)
def test_any_value_of_any_number_is_a_run_or_one_line(tmp_path, key, value):
    """A fuzz over every numeric key with extreme and wrong-typed values: the config loads,
    or one line names the file and the key; never a traceback."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(with_change(data, *key, value), allow_unicode=True),
                    encoding="utf-8")
    dotted = ".".join(k for k in key if k)
    try:
        config = load_config(path)
    except PipelineError as exc:
        lines = str(exc).splitlines()
        assert len(lines) == 1, lines
        # k_max below k_min (or k_min above k_max) is the section's line naming both keys.
        both = key in (("model", "k_min"), ("model", "k_max"))
        named = (f"{path}: {dotted}", f"{path}: model: k_min (") if both else f"{path}: {dotted}"
        assert lines[0].startswith(named), lines
        assert "Input should" not in lines[0], lines  # our wording, not pydantic's
        return
    loaded = config.model_dump() if key[0] is None else config.model_dump()[key[0]]
    number = loaded[key[1]]
    assert number is None or number == "auto" or -1 <= number <= 2**32, (key, number)
