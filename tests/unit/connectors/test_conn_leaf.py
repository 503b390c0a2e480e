"""connectors/ is a leaf: it must not import the application or its frameworks."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"flask", "sqlalchemy", "celery", "inbox", "web", "sentiment", "escalation", "tests"}


def test_connectors_import_nothing_forbidden():
    root = Path(__file__).resolve().parents[3] / "connectors"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
