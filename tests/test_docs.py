"""The README is the user's path (at most 400 lines); docs/ holds the rest. Every relative
link between them resolves, and the README sections that error messages cite exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _project import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in page.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


def test_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 400


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    broken = []
    text = re.sub(r"`[^`\n]*`", "", page.read_text(encoding="utf-8"))  # not in code
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # https: and the like
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("section", ["Settings", "Naming and merging topics",
                                     "When something is wrong"])
def test_sections_that_messages_cite_exist(section):
    # pipeline/common/config.py and model/topic_labels.py say "see README 'Settings'" etc.
    assert _slug(section) in _anchors(ROOT / "README.md")
