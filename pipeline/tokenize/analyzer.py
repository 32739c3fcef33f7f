"""MeCab with unidic-lite, tuned for speed: a fast pass for every token, features once per
new word.

MeCab prints only each token's surface and context ids in the fast pass: cheaper to format
than features (MeCab re-splits the feature CSV for every %f[i]). Features, the lemma
included, are read once per distinct line, from the new words parsed alone (not from the
texts again). A word unknown to the dictionary is the exception: its line carries its own
features (an unknown word has no lemma), since text full of new words (news, names) has
thousands of them, each rare, and reading their features again, parsed alone or from their
lattice, was most of the cost of learning them.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Iterable, Iterator

import fugashi

from pipeline.tokenize.rules import Morpheme

_FAST = (r"--output-format-type= -F%m\\t%phl\\t%phr\\n"
         r" -U%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\n -E\\n")
_FULL = (r"--output-format-type= -F%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[7]\\n"
         r" -U%m\\t%phl\\t%phr\\t%f[0]\\t%f[1]\\t%f[2]\\t%m\\n -E\\n")
# Every node of the lattice (-a), with its word cost: the dictionary entries of new words.
_EVERY = (r"--output-format-type= -a -F%m\\t%phl\\t%phr\\t%c\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[7]\\n"
          r" -U%m\\t%phl\\t%phr\\t%c\\t%f[0]\\t%f[1]\\t%f[2]\\t%m\\n -E\\n")


class Analyzer:
    """MeCab with unidic-lite: a fast pass for every token, features once per new word.

    One per process: a tagger is a resource, never pickled.
    """

    def __init__(self) -> None:
        import unidic_lite

        folder = unidic_lite.DICDIR
        base = f'-d "{folder}" -r "{folder}/mecabrc"'
        self.folder = str(folder)
        held = set(mapped(self.folder))
        self.fast = fugashi.GenericTagger(f"{base} {_FAST}")
        fast = set(mapped(self.folder))
        self.full = fugashi.GenericTagger(f"{base} {_FULL}")
        self.every = fugashi.GenericTagger(f"{base} {_EVERY}")
        # The mappings of the two taggers that read new words' features (see release_pages):
        # mapped once, at the same addresses in a forked process.
        self._lookup_maps = tuple(sorted(set(mapped(self.folder)) - fast - held))
        self.dictionary_info = self.full.dictionary_info
        # Every left context id names a major part of speech (left-id.def, one line per id
        # in order): a fast-pass line tells its word's pos1 without its features.
        with open(f"{folder}/left-id.def", encoding="utf-8") as ids:
            self._pos1_of_id = [line.split(" ", 1)[1].split(",", 1)[0] for line in ids]

    def lines(self, text: str) -> list[str]:
        """One `surface<TAB>left id<TAB>right id` line per token; an unknown word's line
        goes on with its pos1, pos2 and pos3."""
        return self.fast.parse(text).split("\n")

    def pos1(self, line: str) -> str:
        """The major part of speech of a fast-pass line: an unknown word's own, else from
        its left context id."""
        fields = line.split("\t", 4)
        if len(fields) == 5:
            return fields[3]
        try:
            return self._pos1_of_id[int(fields[1])]
        except (IndexError, ValueError):  # not a token line: nothing to read features of
            return ""

    def with_pos1(self, lines: Iterable[str], keep: Callable[[str], bool]) -> set[str]:
        """The lines among fast-pass `lines` whose `pos1` is one `keep` accepts: one loop,
        `keep` asked once per part of speech, not two calls per line (a text of news has a
        new line in 50 tokens)."""
        of_id = self._pos1_of_id
        kept: dict[str, bool] = {}
        found = set()
        for line in lines:
            fields = line.split("\t", 4)
            if len(fields) == 5:
                pos1 = fields[3]
            else:
                try:
                    pos1 = of_id[int(fields[1])]
                except (IndexError, ValueError):  # as in pos1
                    pos1 = ""
            ok = kept.get(pos1)
            if ok is None:
                ok = kept[pos1] = keep(pos1)
            if ok:
                found.add(line)
        return found

    def morphemes(self, text: str, only: set[str] | None = None) -> dict[str, Morpheme]:
        """Full features of the token lines of `text` (or of those in `only`), keyed by their
        fast-pass line."""
        found: dict[str, Morpheme] = {}
        for full in self.full.parse(text).split("\n"):
            fields = full.split("\t")
            if len(fields) == 7:
                line = "\t".join(fields[:3])
                if only is None or line in only:
                    found[line] = _morpheme(fields[0], *fields[3:])
        return found

    def entries(self, lines: set[str]) -> dict[str, Morpheme]:
        """Full features of fast-pass lines, without their texts.

        A line (surface, left id, right id) names what MeCab chose in context: among the
        dictionary entries of that surface with these context ids, the lowest word cost
        (the connection costs are the same), the last one in the lattice on a tie. Most
        lines come out the same when their surfaces are parsed alone, spaced apart; the
        rest are read from the lattice of their surfaces (every node, -a), which holds
        every entry whatever context it came from.
        """
        found = _unknown_words(lines)
        surfaces = sorted({line.split("\t", 1)[0] for line in lines if line and line not in found})
        for batch in _batches(surfaces):
            found.update(self.morphemes(" ".join(batch), lines))
        rest = sorted({line.split("\t", 1)[0] for line in lines if line and line not in found})
        best: dict[str, tuple[int, list[str]]] = {}
        for batch in _batches(rest):
            for node in self.every.parse(" ".join(batch)).split("\n"):
                fields = node.rsplit("\t", 5)
                if len(fields) == 6 and fields[0] in lines and fields[0] not in found:
                    cost = int(fields[1])
                    held = best.get(fields[0])
                    if held is None or cost <= held[0]:
                        best[fields[0]] = (cost, fields)
        for line, (_, fields) in best.items():
            found[line] = _morpheme(line.split("\t", 1)[0], *fields[2:])
        return found

    def release_pages(self) -> int:
        """Let go of the dictionary pages the taggers of new words (full, every) have read
        so far; returns the bytes of mappings released. Each of the three taggers maps the
        dictionary files (246 MB) on its own, and every page a tagger has read stays counted
        in the process's resident memory: the pages of new words' features grow with the
        corpus's vocabulary, up to 2 x 246 MB per process. The pages stay in the page cache
        (shared by every process) and the taggers read them again from there when they need
        them; nothing a tagger returns changes. The fast pass's pages are kept: it reads the
        same index and connection costs for every token (81 MB on 9M characters of varied
        text, at most the index and matrix.bin), and reading them again after each release
        cost more CPU than the rest of the releases (a fault per page)."""
        return release_ranges(self._lookup_maps)

    def info(self) -> dict:
        """Name and version of the dictionary and the tagger, recorded with the tokens."""
        from importlib.metadata import version

        return {
            "dictionary": "unidic-lite",
            "dictionary_version": version("unidic-lite"),
            "dictionary_format_version": self.dictionary_info[0]["version"],
            "fugashi_version": version("fugashi"),
        }


_MADV_DONTNEED = 4  # Linux: drop the mapping's pages; a file's are read again on next use


def mapped(folder: str) -> list[tuple[int, int]]:
    """(start, end) of this process's read-only mappings of files in `folder` (Linux;
    elsewhere none)."""
    if not sys.platform.startswith("linux"):
        return []
    ranges = []
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            # Read-only only: dropping a written private page would lose what was written.
            if len(fields) == 6 and "w" not in fields[1] and \
                    fields[5].rstrip("\n").startswith(folder):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                ranges.append((start, end))
    return ranges


def release_ranges(ranges: Iterable[tuple[int, int]]) -> int:
    """madvise(MADV_DONTNEED) on mappings (`mapped`); the bytes of those released."""
    ranges = list(ranges)
    if not ranges:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    return sum(end - start for start, end in ranges
               if libc.madvise(start, end - start, _MADV_DONTNEED) == 0)


def _unknown_words(lines: set[str]) -> dict[str, Morpheme]:
    """The features of the unknown words' lines, which carry them (see _FAST)."""
    found: dict[str, Morpheme] = {}
    for line in lines:
        if line.count("\t") == 5:  # most lines are known words': not split for nothing
            fields = line.split("\t")
            found[line] = _morpheme(fields[0], fields[3], fields[4], fields[5], "")
    return found


def _morpheme(surface: str, pos1: str, pos2: str, pos3: str, lemma: str) -> Morpheme:
    # MeCab leaves a '*' field empty in our formats, and an unknown word has no lemma.
    return Morpheme(surface, pos1, pos2 or "*", pos3 or "*", lemma or surface)


def _batches(words: list[str], size: int = 500) -> Iterator[list[str]]:
    # MeCab is slower per character on one very long input than on a few hundred words.
    for start in range(0, len(words), size):
        yield words[start : start + size]
