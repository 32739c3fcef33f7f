"""The Japanese font the report carries inside itself, cut down to the characters it uses.

A reader's browser may have no Japanese font (a fresh Linux box shows boxes); embedding a
subset of the IPAexGothic that matplotlib-fontja ships keeps the report self-contained and
small.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache


@lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the bundled IPAexGothic TrueType file."""
    from matplotlib_fontja import get_font_ttf_path

    return get_font_ttf_path()


def subset_font(text: str) -> bytes:
    """A TrueType font holding just the glyphs `text` needs."""
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
    font.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str, family: str = "ReportJP") -> str:
    """An @font-face rule with the subset font embedded as a data URL."""
    data = base64.b64encode(subset_font(text)).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}")
