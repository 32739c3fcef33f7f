"""Speaker labels as written -> a normalized speaker name and a role."""

from __future__ import annotations

import re
import unicodedata

# Longest first so 副委員長 wins over 委員長 and 研究委員 over 委員.
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
_ROLE_ALT = "|".join(re.escape(r) for r in ROLES)
_ONLY_ROLES = re.compile(rf"^(?:[\s・/／]*(?:{_ROLE_ALT}))+$")
_SUFFIX = re.compile(rf"^(?P<name>.+?)(?P<role>(?:[\s・/／]*(?:{_ROLE_ALT}))+)$")
# 議長（石川良一君）: the role first, the person in brackets.
_BRACKETED = re.compile(r"^(?P<role>[^（(]+)[（(](?P<name>[^）)]+?)(?:君|さん|氏)?[）)]$")


def normalize_label(label: str) -> str:
    """NFKC and folded white space: the form a tag is compared in."""
    return " ".join(unicodedata.normalize("NFKC", label).split())


def split_speaker(label: str, aliases: dict[str, str] | None = None) -> tuple[str, str]:
    """Split a tag such as `田野瀬委員長` into (`田野瀬`, `委員長`).

    A label that is nothing but a role (`委員長`) stays whole as the speaker. Aliases map a
    normalized name (or the whole label) to a canonical name.
    """
    aliases = aliases or {}
    text = normalize_label(label)
    if text in aliases:
        name, role = aliases[text], ""
        match = _SUFFIX.match(text)
        if match:
            role = _clean_role(match["role"])
        return aliases[text], role
    name, role = text, ""
    if _ONLY_ROLES.match(text):
        return aliases.get(text, text), ""  # 研究委員 alone is a speaker, not 研究 + 委員
    bracketed = _BRACKETED.match(text)
    suffixed = _SUFFIX.match(text)
    if bracketed:
        name, role = bracketed["name"].strip(), bracketed["role"].strip()
    elif suffixed and suffixed["name"].strip(" ・"):
        name, role = suffixed["name"].strip(" ・"), _clean_role(suffixed["role"])
    return aliases.get(name, name), role


# Honorifics are politeness, not a role: 北村経夫君 is 北村経夫 with no role.
HONORIFICS = ("君", "氏", "さん", "様", "殿")


def _clean_role(role: str) -> str:
    role = role.strip(" ・/／")
    for honorific in HONORIFICS:
        if role == honorific:
            return ""
        if role.endswith("・" + honorific):
            role = role.removesuffix("・" + honorific)
    return role
