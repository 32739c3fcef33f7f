"""The tokenizer package's shape: rules apart from the speed machinery (import cycles of the
whole package: test_architecture.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from _project import ROOT

PACKAGE = ROOT / "pipeline" / "tokenize"


def imports(path: Path) -> set[str]:
    """Modules of pipeline.tokenize that a file imports, at module level or in a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        out.update(n.rsplit(".", 1)[1] for n in names if n.startswith("pipeline.tokenize."))
    return out


def test_rules_need_none_of_the_speed_machinery():
    # A linguist edits rules.py without reading how tokens are numbered, chunked or cached.
    assert imports(PACKAGE / "rules.py") <= {"compounds"}
    source = (PACKAGE / "rules.py").read_text(encoding="utf-8")
    assert "numpy" not in source and "Analyzer" not in source
