"""Tests for pipeline/ingest/speaker_labels.py: speaker labels -> (name, role)."""

from __future__ import annotations

import pytest

from pipeline.ingest.speaker_labels import normalize_label, split_speaker


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("田野瀬委員長", ("田野瀬", "委員長")),
        ("議長（石川良一君）", ("石川良一", "議長")),
        ("議長(石川良一君)", ("石川良一", "議長")),
        ("盛山国務大臣", ("盛山", "国務大臣")),
        ("荒井副理事長", ("荒井", "副理事長")),
        ("A 研究委員", ("A", "研究委員")),
        ("Ａ\u3000研究委員", ("A", "研究委員")),
        ("島研究委員", ("島", "研究委員")),
        ("K氏", ("K", "")),  # an honorific, not a role
        ("I 氏", ("I", "")),
        ("門間研究委員・グループリーダー", ("門間", "研究委員・グループリーダー")),
        ("鈴木副委員長", ("鈴木", "副委員長")),
        ("岸", ("岸", "")),
        ("上久保", ("上久保", "")),
        # A label that is nothing but a role stays whole as the speaker.
        ("委員長", ("委員長", "")),
        ("議長", ("議長", "")),
        ("理事長", ("理事長", "")),
        ("", ("", "")),
    ],
)
def test_split_speaker(label, expected):
    assert split_speaker(label) == expected


@pytest.mark.parametrize(
    ("label", "aliases", "expected"),
    [
        # An alias on the whole label.
        ("馬場委員長", {"馬場委員長": "馬場"}, ("馬場", "委員長")),
        # An alias on the name part after the role is split off.
        ("馬場委員長", {"馬場": "馬場茂"}, ("馬場茂", "委員長")),
        ("馬場", {"馬場": "馬場茂"}, ("馬場茂", "")),
        ("議長（石川良一君）", {"石川良一": "石川"}, ("石川", "議長")),
        # Aliases are looked up in normalized form (NFKC, folded spaces).
        ("Ｂ\u3000研究委員", {"B": "佐藤"}, ("佐藤", "研究委員")),
        # An alias that does not apply changes nothing.
        ("岸", {"後藤": "後藤健"}, ("岸", "")),
    ],
)
def test_split_speaker_aliases(label, aliases, expected):
    assert split_speaker(label, aliases) == expected


def test_split_speaker_does_not_mutate_aliases():
    aliases = {"馬場": "馬場茂"}
    split_speaker("馬場委員長", aliases)
    assert aliases == {"馬場": "馬場茂"}


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Ｂ\u3000\u3000研究委員", "B 研究委員"),
        ("  岸 ", "岸"),
        ("議長（石川良一君）", "議長(石川良一君)"),
    ],
)
def test_normalize_label(label, expected):
    assert normalize_label(label) == expected
