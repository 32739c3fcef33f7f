"""The Japanese font the report carries inside itself, cut down to the characters it uses.

A reader's browser may have no Japanese font (a fresh Linux box shows boxes); embedding a
subset of the IPAexGothic that matplotlib-fontja ships keeps the report self-contained and
small.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from functools import lru_cache

# Characters a reader may type into the search box, so the query shows in the page's font:
# ASCII, kana, CJK punctuation and full-width forms.
TYPED = "".join(chr(c) for r in ((0x20, 0x7F), (0x3000, 0x3100), (0xFF01, 0xFF9F))
                for c in range(*r))


@lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the bundled IPAexGothic TrueType file."""
    from matplotlib_fontja import get_font_ttf_path

    return get_font_ttf_path()


def subset_font(text: str, flavor: str | None = None) -> bytes:
    """A TrueType font (or WOFF, with flavor="woff") holding just the glyphs `text` needs."""
    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the name table: the IPA licence asks for it
    options.notdef_outline = True
    font = subset.load_font(font_path(), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    # Drop the modification stamp so reruns give identical bytes.
    font["head"].modified = font["head"].created
    font.flavor = flavor
    font.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str, family: str = "ReportJP") -> str:
    """An @font-face rule with the subset font embedded as a data URL (WOFF: zlib-packed
    glyphs, a third smaller than TrueType, which a whole corpus's kanji make worth it)."""
    data = base64.b64encode(subset_font(text, flavor="woff")).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; "
            f"src: url(data:font/woff;base64,{data}) format('woff'); }}")


@lru_cache(maxsize=1)
def _font_characters() -> frozenset[str]:
    from fontTools.ttLib import TTFont

    return frozenset(chr(c) for c in TTFont(font_path(), lazy=True).getBestCmap())


def missing_glyphs(text: str) -> list[str]:
    """Visible characters of `text` that the bundled font has no glyph for (the browser
    draws them from a system font, if it has one)."""
    have = _font_characters()
    return sorted(c for c in set(text) if not c.isspace() and c.isprintable() and c not in have)


def page_characters(data: object, sources: Iterable[str] = (), typed: bool = True) -> str:
    """Every character the page can show: all text in its data (whatever a control reveals
    later, not just what shows at load), its templates' own words, and what a reader types."""
    found: set[str] = set(TYPED if typed else "")
    for text in sources:
        found.update(text)
    # Lists of plain ints (the workbench's millions of index pairs) are read in C, their
    # distinct numbers spelled out once at the end.
    numbers: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.update(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            if set(map(type, item)) == {int}:
                numbers.update(item)
            else:
                stack.extend(item)
        elif item is not None:
            found.update(str(item))
    found.update("".join(map(str, numbers)))
    return "".join(sorted(found))
