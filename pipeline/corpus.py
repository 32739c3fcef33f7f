"""Find transcript files and read them into turns and documents (the ingest core)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.documents import Document, make_documents
from pipeline.errors import PipelineError
from pipeline.transcripts import Turn, decode, split_turns

TEXT_SUFFIXES = (".txt", ".md", ".text")


@dataclass(frozen=True)
class FileReport:
    """How one file was read: the user's check that detection went right."""

    path: str
    meeting: str
    encoding: str
    style: str
    n_turns: int


def find_transcripts(root: Path) -> list[Path]:
    """The transcript files under root (or root itself), in a stable order."""
    if not root.exists():
        raise PipelineError(f"{root}: input path not found; set ingest.input to a file or folder")
    if root.is_file():
        return [root]
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                   and not p.name.startswith("."))
    if not files:
        raise PipelineError(f"{root}: no transcript files (*.txt, *.md) in this folder")
    return files


def meeting_id(path: Path, root: Path) -> str:
    """A meeting's id: its file path under the input folder, without the suffix."""
    if root.is_file():
        return path.stem
    return path.relative_to(root).with_suffix("").as_posix()


def read_transcript(path: Path, meeting: str, style: str, encoding: str,
                    aliases: dict[str, str]) -> tuple[list[Turn], FileReport]:
    """Decode and split one file; errors name the file."""
    data = path.read_bytes()
    text, used_encoding = decode(data, str(path), encoding)
    try:
        turns, used_style = split_turns(text, meeting, style, aliases)
    except PipelineError as exc:
        raise PipelineError(f"{path}: {exc}") from None
    n_turns = sum(1 for t in turns if t.turn > 0)
    return turns, FileReport(str(path), meeting, used_encoding, used_style, n_turns)


def read_corpus(root: Path, *, style: str, encoding: str, aliases: dict[str, str],
                unit: str, sentences_per_doc: int, max_chars: int,
                exclude_speakers: frozenset[str]) -> tuple[list[Turn], list[Document],
                                                           list[FileReport]]:
    """All turns and documents of every transcript under root."""
    root = Path(root)
    turns: list[Turn] = []
    reports: list[FileReport] = []
    for path in find_transcripts(root):
        file_turns, report = read_transcript(path, meeting_id(path, root), style, encoding,
                                             aliases)
        turns.extend(file_turns)
        reports.append(report)
    docs = make_documents(turns, unit, sentences_per_doc, max_chars, exclude_speakers)
    return turns, docs, reports
