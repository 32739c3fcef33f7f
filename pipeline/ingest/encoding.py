"""Which encoding a transcript is in, and the checks that it is a transcript at all: one
reading of the bytes in chunks, for a file read whole (`decode`) and for a large table read
in passes (`detect_encoding`), so that both choose alike and fail with the same messages.

UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they are; otherwise CP932 and
EUC-JP are tried, and the one whose text is most Japanese wins.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.common.errors import PipelineError

ENCODINGS = ("utf-8-sig", "utf-8", "cp932", "euc-jp")
MAX_LINE_CHARS = 1_000_000
CHUNK = 1 << 20  # bytes read at a time

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ODD = re.compile("[\x00-\x08\x0b\x0e-\x1f\ue000-\uf8ff]")  # control, private use
_JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff]")  # kana, kanji, punctuation

Chunks = Callable[[], Iterator[bytes]]  # the bytes from the start, each time it is called


class _TextStats:
    """What the checks of decoded text need, summed chunk by chunk: blank or not, the first
    line too long to be a transcript, control and private-use characters, Japanese ones."""

    def __init__(self) -> None:
        self.blank = True
        self.n_chars = self.odd = self.japanese = 0
        self.line, self.line_chars = 1, 0
        self.long: tuple[int, int] | None = None  # the first over-long line and its length

    def add(self, text: str, japanese: bool = False) -> None:
        self.blank = self.blank and not text.strip()
        self.n_chars += len(text)
        self.odd += len(_ODD.findall(text))
        if japanese:
            self.japanese += len(_JAPANESE.findall(text))
        pieces = text.split("\n")
        self.line_chars += len(pieces[0])
        for piece in pieces[1:]:
            self._end_line()
            self.line += 1
            self.line_chars = len(piece)

    def _end_line(self) -> None:
        if self.long is None and self.line_chars > MAX_LINE_CHARS:
            self.long = (self.line, self.line_chars)

    def check(self, source: str) -> None:
        """Reject text that is empty, has a line too long to be a transcript (a dump with its
        line breaks lost), or is mostly control / private-use characters."""
        self._end_line()
        if self.blank:
            raise PipelineError(
                f"{source}: file is empty; give a transcript with speaker turns")
        if self.long:
            raise PipelineError(
                f"{source}:{self.long[0]}: line of {self.long[1]:,} characters (limit "
                f"{MAX_LINE_CHARS:,}); the file seems to have lost its line breaks")
        if self.odd > max(2, self.n_chars // 100):
            raise PipelineError(f"{source}: looks like a binary file, not a text transcript")


def _decoded(chunks: Chunks, name: str, japanese: bool = False) -> _TextStats | None:
    """Stats of the bytes decoded as `name`, or None if they do not decode."""
    decoder = codecs.getincrementaldecoder(name)()
    stats, first = _TextStats(), True
    try:
        for chunk in chunks():
            text = decoder.decode(chunk)
            if first and text:
                first = False
                if name.startswith("utf-8"):  # one more BOM than "utf-8-sig" drops
                    text = text.removeprefix("\ufeff")
            stats.add(text, japanese)
        stats.add(decoder.decode(b"", final=True), japanese)
    except UnicodeDecodeError:
        return None
    return stats


def _check_bytes(chunks: Chunks, source: str) -> None:
    """Errors that show in the bytes: nothing but white space, or NUL bytes (UTF-16 without
    its BOM shows them on every other byte, all on one side; else a binary file)."""
    blank, zeros, size = True, [0, 0], 0
    for chunk in chunks():
        blank = blank and not chunk.strip()
        if b"\x00" in chunk:
            # NULs at even and odd offsets of the whole file (a chunk may start at an odd one)
            first = size % 2
            zeros[first] += chunk[0::2].count(0)
            zeros[1 - first] += chunk[1::2].count(0)
        size += len(chunk)
    if blank:
        raise PipelineError(f"{source}: file is empty; give a transcript with speaker turns")
    if zeros[0] or zeros[1]:
        even, odd = zeros
        if max(even, odd) >= size // 20 and min(even, odd) == 0:
            raise PipelineError(f"{source}: looks like UTF-16 without a byte order mark; "
                                "save it as UTF-8 (or as UTF-16 with a BOM)")
        raise PipelineError(f"{source}: looks like a binary file, not a text transcript")


def _choose(chunks: Chunks, head: bytes, source: str, encoding: str) -> str:
    """The encoding of the bytes (`head`: their first three), after every check."""
    if encoding == "utf-16" or (encoding == "auto" and head.startswith(_UTF16_BOMS)):
        # Excel's "Unicode text" and Windows Notepad's "Unicode": the BOM says which order.
        # Without one (ingest.encoding: utf-16), bytes.decode takes this machine's order, and
        # so does this check (the incremental UTF-16 decoder insists on a BOM).
        native = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
        stats = _decoded(chunks, "utf-16" if head.startswith(_UTF16_BOMS) else native)
        if stats is None:
            raise PipelineError(f"{source}: starts like UTF-16 (byte order mark) but cannot be "
                                "decoded as UTF-16; save it as UTF-8")
        stats.check(source)
        return "utf-16"
    _check_bytes(chunks, source)
    candidates: tuple[str, ...] = ENCODINGS if encoding == "auto" else (encoding,)
    if encoding == "auto" and not head.startswith(b"\xef\xbb\xbf"):
        candidates = ENCODINGS[1:]
    decoded: list[tuple[float, str, _TextStats]] = []
    for name in candidates:
        stats = _decoded(chunks, name, japanese=not name.startswith("utf-8"))
        if stats is None:
            continue
        if name.startswith("utf-8"):
            stats.check(source)
            return name
        decoded.append((stats.japanese / stats.n_chars if stats.n_chars else 0.0, name, stats))
    if not decoded:
        tried = ", ".join(candidates)
        advice = ("save it as UTF-8 or set ingest.encoding" if encoding == "auto"
                  else "check ingest.encoding, or set it to auto")
        raise PipelineError(f"{source}: cannot decode as {tried}; {advice}")
    _, name, stats = max(decoded, key=lambda item: item[0])
    stats.check(source)
    return name


def detect_encoding(path: Path, source: str, encoding: str = "auto") -> str:
    """The encoding of a file (ingest.encoding, or auto), read in chunks; errors name
    `source`."""

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    with open(path, "rb") as fh:
        head = fh.read(3)
    return _choose(chunks, head, source, encoding)


def decode(data: bytes, source: str, encoding: str = "auto") -> tuple[str, str]:
    """Decode transcript bytes; returns (text, encoding used)."""
    name = _choose(lambda: (data[i:i + CHUNK] for i in range(0, len(data), CHUNK)), data[:3],
                   source, encoding)
    text = data.decode(name)
    return (text.removeprefix("\ufeff") if name.startswith("utf-8") else text), name
