"""The speed benchmarks' text generator: real sentences, a vocabulary that keeps growing."""

import json

import pytest
from _project import DATA

from benchmarks import real_text

KOKKAI = DATA / "kokkai"


@pytest.fixture(scope="module")
def source():
    return real_text.load_source(KOKKAI)


def test_heaps_fit_recovers_a_known_law():
    # A stream whose n-th token is new whenever 3·n^0.5 says so: K 3, β 0.5.
    tokens, seen = [], 0
    for n in range(1, 200_001):
        if seen < 3 * n ** 0.5:
            seen += 1
            tokens.append(seen)
        else:
            tokens.append(1 + n % seen)
    k, beta, _ = real_text.heaps_fit(tokens)
    assert beta == pytest.approx(0.5, abs=0.02)
    assert k == pytest.approx(3, rel=0.15)


def test_generated_vocabulary_grows_like_the_source(source, tmp_path):
    facts = real_text.write(tmp_path / "big", source, 600_000, "big")
    assert facts["chars"] >= 600_000 and facts["new_words"] > 0
    k, beta = real_text.measured_heaps(real_text.texts_of(tmp_path / "big"), 600_000)
    # Repeating the source would flatten the curve (β near 0 past its size).
    assert beta == pytest.approx(source.heaps_beta, abs=0.08)


def test_small_meetings_table_is_ndl_shaped_and_reproducible(source, tmp_path):
    a = real_text.write(tmp_path / "a", source, 100_000, "small", seed=3)
    b = real_text.write(tmp_path / "b", source, 100_000, "small", seed=3)
    table_a = (tmp_path / "a/speeches.jsonl").read_bytes()
    assert table_a == (tmp_path / "b/speeches.jsonl").read_bytes() and a == b
    rows = [json.loads(line) for line in table_a.decode().splitlines()]
    sizes: dict[str, int] = {}
    for row in rows:
        assert row["speech"].startswith("○") and row["kind"] == "speech"
        sizes[row["issueID"]] = sizes.get(row["issueID"], 0) + len(row["speech"])
    assert len(sizes) == a["meetings"] >= 40
    # 1-2k characters of speech a meeting (the last one may be cut short).
    assert all(900 <= n <= 4500 for n in list(sizes.values())[:-1])
