"""Speaker labels as written -> the person's name, their office (role) and any affiliation.

Minutes write a label as a name and an office run together (`遠藤都市整備局市街地整備部長`,
`盛山国務大臣`), the office first and the person in brackets (`国務大臣（盛山正仁君）`,
`三十番（舟坂ちかお君）`), or a name and its party (`田中太郎（自民）`). The office is found with
a lexicon of public titles (`resources/titles_ja.txt`, longest first) and the person's name
with UniDic's person-name parts (人名-姓 / 人名-名), so an office of any length is split off
and a surname is never cut in two.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# The tokenizer's list of role words (kept as it was: changing it would change the terms
# of every corpus). Label splitting uses the larger lexicon in resources/titles_ja.txt.
ROLES = sorted(
    {
        "委員長", "副委員長", "委員", "理事", "君", "議長", "副議長", "大臣", "国務大臣",
        "副大臣", "大臣政務官", "政務官", "政府参考人", "参考人", "公述人", "証人", "説明員",
        "政府委員", "長官", "次官", "局長", "部長", "課長", "室長", "審議官", "知事", "副知事",
        "市長", "副市長", "町長", "村長", "区長", "議員", "会長", "副会長", "理事長",
        "副理事長", "所長", "座長", "司会", "研究委員", "研究員", "教授", "准教授",
        "グループリーダー", "リーダー", "先生", "氏", "さん", "様", "殿", "内閣総理大臣",
        "総理", "総理大臣", "事務局長", "事務局", "幹事", "幹事長",
    },
    key=len,
    reverse=True,
)

# Honorifics are politeness, not a role: 北村経夫君 is 北村経夫 with no role.
HONORIFICS = ("君", "氏", "さん", "様", "殿")
_HONORIFIC = re.compile(r"^(?P<rest>.+?)[\s・]*(?:君|氏|さん|様|殿)$")
# A seat number is where a member sits, not an office: 三十番（舟坂ちかお君）.
_SEAT = re.compile(r"^[0-9０-９一二三四五六七八九十百千〇零]+番$")
_BRACKETS = re.compile(r"^(?P<outer>[^（(]+)[（(](?P<inner>[^（()）]+)[）)](?P<tail>.*)$")
# Where a name part still holds an office, the split failed: such labels are listed.
_OFFICE_MARKERS = ("局", "庁", "課", "担当", "兼務", "委員会", "本部")
_OFFICE_ENDINGS = ("省",)  # not inside: 省吾 is a given name
MAX_NAME_CHARS = 12
# Particles that join the words of a phrase (政治改革に関する特別委員, 拉致問題等による): no
# person's name holds them, so a ○ line with one is a list item in a speech, not a tag.
_PHRASE_MARKERS = ("に関する", "による", "及び", "並びに", "における", "のための")
# Characters that print as nothing (zero-width spaces and joiners, BOM, bidi marks, soft
# hyphen): a label with one is the same label without it.
_INVISIBLE_CATEGORIES = ("Cf", "Cc", "Co", "Cs")


@dataclass(frozen=True)
class SpeakerLabel:
    """A label read: the speaker, their office, an affiliation in brackets, and whether the
    name could be told from the office (unresolved labels are listed for the user)."""

    speaker: str
    role: str = ""
    affiliation: str = ""
    resolved: bool = True


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    """The title lexicon, longest first."""
    text = resources.files("pipeline.ingest.resources").joinpath("titles_ja.txt").read_text(
        encoding="utf-8")
    words = {w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    alt = "|".join(re.escape(t) for t in titles())
    only = re.compile(rf"^(?:[\s・/／]*(?:{alt}))+$")
    suffix = re.compile(rf"^(?P<name>.+?)(?P<role>(?:[\s・/／]*(?:{alt}))+)$")
    return only, suffix


@lru_cache(maxsize=1)
def _tagger():
    # One Tagger per process (a resource, not data): made on first use, never pickled.
    import fugashi

    return fugashi.Tagger()


def normalize_label(label: str) -> str:
    """NFKC, no invisible characters, folded white space: the form a tag is compared in."""
    text = unicodedata.normalize("NFKC", label)
    text = "".join(ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    return " ".join(text.split())


def split_speaker(label: str, aliases: dict[str, str] | None = None) -> tuple[str, str]:
    """Split a tag such as `田野瀬委員長` into (`田野瀬`, `委員長`)."""
    parsed = parse_label(label, tuple(sorted((aliases or {}).items())))
    return parsed.speaker, parsed.role


@lru_cache(maxsize=65536)
def parse_label(label: str, aliases: tuple[tuple[str, str], ...] = ()) -> SpeakerLabel:
    """Read a speaker label (cached: minutes repeat a few hundred labels many times).

    A label that is nothing but a role (`委員長`) stays whole as the speaker. Aliases map a
    normalized name (or the whole label) to a canonical name.
    """
    alias = dict(aliases)
    text = normalize_label(label)
    parsed = _parse(text)
    if text in alias:
        return SpeakerLabel(alias[text], parsed.role, parsed.affiliation, True)
    if parsed.speaker in alias:
        return SpeakerLabel(alias[parsed.speaker], parsed.role, parsed.affiliation, True)
    return parsed


def _parse(text: str) -> SpeakerLabel:
    if not text:
        return SpeakerLabel("")
    only, _ = _patterns()
    honorific = _HONORIFIC.match(text)
    bare = honorific["rest"] if honorific else text
    if only.match(bare):
        return SpeakerLabel(bare)  # 研究委員 alone is a speaker, not 研究 + 委員
    bracketed = _BRACKETS.match(text)
    if bracketed:
        return _bracketed(bracketed["outer"].strip(), bracketed["inner"].strip(),
                          bracketed["tail"].strip())
    name, role = _name_and_office(bare)
    return SpeakerLabel(name, role, "", _resolved(name))


def _bracketed(outer: str, inner: str, tail: str) -> SpeakerLabel:
    only, _ = _patterns()
    if tail:
        # 鈴木（隼）委員: the Diet tells two 鈴木 apart by the first character of the given name.
        head = f"{outer}({inner})"  # NFKC's brackets, as every label is compared in
        if only.match(tail):
            return SpeakerLabel(head, _clean_role(tail))
        return SpeakerLabel(head + tail, "", "", False)
    person = _HONORIFIC.match(inner)
    if person or only.match(outer) or _SEAT.match(outer):
        # 役職（氏名君）and 三十番（舟坂ちかお君）: the office (a seat is none) first.
        name = person["rest"].strip() if person else inner
        return SpeakerLabel(name, "" if _SEAT.match(outer) else outer)
    # 名（所属）: the person first, their party or organization in brackets.
    name, role = _name_and_office(outer)
    return SpeakerLabel(name, role, inner, _resolved(name))


def _name_and_office(text: str) -> tuple[str, str]:
    """The person's name and the office after it; the office runs from where the name ends
    (by UniDic) to the title the label ends in."""
    _, suffix = _patterns()
    match = suffix.match(text)
    if not match or not match["name"].strip(" ・"):
        return text, ""
    head, title = match["name"].strip(" ・"), _clean_role(match["role"])
    end = _name_end(head)
    if 0 < end < len(head):
        return head[:end], head[end:] + title
    return head, title


def _name_end(head: str) -> int:
    """Where a person's name ends in `head` (an office may follow), or 0 if the name cannot
    be told apart (then all of `head` is the name)."""
    tokens = [(w.surface, w.feature) for w in _tagger()(head)]
    if not tokens:
        return 0
    first, feature = tokens[0]
    person = feature.pos2 == "固有名詞" and feature.pos3 == "人名"
    # A surname UniDic knows as a place (岡田, 上川) counts when an office follows it.
    place = feature.pos2 == "固有名詞" and len(first) >= 2
    if not (person or place):
        return 0
    end = len(first)
    rest = tokens[1:]
    while rest and rest[0][1].pos3 == "人名":
        end += len(rest[0][0])
        rest = rest[1:]
    if not rest:
        return end
    # What follows the name must read as an office: nouns (or ・), no person's name, and a
    # first word of two characters or more (田野瀬 is not 田野 + 瀬).
    lead, lead_feature = rest[0]
    if len(lead) < 2 and lead_feature.pos3 != "地名":
        return 0
    for _, feat in rest:
        if feat.pos3 == "人名" or feat.pos1 not in ("名詞", "補助記号", "接尾辞", "接頭辞"):
            return 0
    return end


def _resolved(name: str) -> bool:
    """A name that still holds an office word was not told apart from its office."""
    return bool(name) and len(name) <= MAX_NAME_CHARS and not any(
        m in name for m in _OFFICE_MARKERS) and not name.endswith(_OFFICE_ENDINGS) \
        and not is_phrase(name)


def is_phrase(name: str) -> bool:
    """A "name" that is a phrase (政治改革に関する特別): nobody's name."""
    return any(m in name for m in _PHRASE_MARKERS)


def _clean_role(role: str) -> str:
    role = role.strip(" ・/／")
    for honorific in HONORIFICS:
        if role == honorific:
            return ""
        if role.endswith("・" + honorific):
            role = role.removesuffix("・" + honorific)
    return role
