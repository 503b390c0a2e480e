"""The leaf stays a leaf: no framework, database or sibling-package imports."""

from __future__ import annotations

import ast
from pathlib import Path

import escalation

FORBIDDEN = {"flask", "sqlalchemy", "celery", "inbox", "web", "sentiment", "connectors", "redis", "alembic"}


def test_escalation_imports_no_framework_or_sibling():
    package = Path(escalation.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_public_api_is_exported():
    for name in escalation.__all__:
        assert hasattr(escalation, name), name
