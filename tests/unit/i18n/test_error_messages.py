"""Every message raised through `InboxError` (and its subclasses) or `ApiError` is a marked msgid that the
extraction finds, so the REST API can say it in the reader's language (#20).

The check reads the code, not a list: any `raise SomeError("text")` or `raise SomeError(f"...")` that is not
`N_("...")` fails, and so does an `N_` msgid missing from the extracted template. Messages passed through
from elsewhere (a connector's `exc.message`, pydantic's words) are variables, not literals, and are left as
they are.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

BASES = {"InboxError", "ApiError"}


def _modules() -> list[tuple[Path, ast.Module]]:
    out = []
    for top in ("inbox", "web"):
        for path in sorted((ROOT / top).rglob("*.py")):
            out.append((path, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """InboxError, ApiError and every class defined on them, at any depth."""
    names = set(BASES) | {"NotFound", "Forbidden", "Invalid", "Conflict"}
    grew = True
    while grew:
        grew = False
        for _path, tree in modules:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(isinstance(b, ast.Name) and b.id in names for b in node.bases)
                ):
                    names.add(node.name)
                    grew = True
    return names


def _werkzeug_names(tree: ast.Module) -> set[str]:
    return {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("werkzeug")
        for a in node.names
    }


def _raised(modules: list[tuple[Path, ast.Module]]) -> list[tuple[str, ast.expr]]:
    """(where, message argument) of every raise of one of our error classes."""
    classes = _error_classes(modules)
    found = []
    for path, tree in modules:
        foreign = _werkzeug_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in classes or name in foreign:
                continue
            at = 2 if name == "ApiError" else 0
            if len(node.exc.args) > at:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.exc.args[at]))
    return found


@pytest.fixture(scope="module")
def raised() -> list[tuple[str, ast.expr]]:
    return _raised(_modules())


def _marked(arg: ast.expr) -> str | None:
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "N_":
        first = arg.args[0] if arg.args else None
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    return None


def test_no_error_message_is_written_unmarked(raised) -> None:  # type: ignore[no-untyped-def]
    unmarked = [
        where
        for where, arg in raised
        if _marked(arg) is None and isinstance(arg, ast.Constant | ast.JoinedStr | ast.BinOp)
    ]
    assert len(raised) > 200
    assert not unmarked, f"mark these messages with N_() and pass values as keywords: {unmarked}"


def test_every_marked_error_message_is_in_the_extracted_catalogue(raised, extracted_template) -> None:  # type: ignore[no-untyped-def]
    ids = {m.id for m in extracted_template if isinstance(m.id, str)}
    marked = {(where, _marked(arg)) for where, arg in raised if _marked(arg) is not None}
    assert len(marked) > 150
    missing = [(where, msgid) for where, msgid in marked if msgid not in ids]
    assert not missing, missing


def test_the_checker_sees_an_unmarked_message() -> None:
    """The scan above can fail: an f-string message and an N_ one in a made-up module."""
    tree = ast.parse(
        "class Oops(Invalid):\n    pass\n"
        "def f(x):\n    raise Oops(f'no {x}')\n"
        "def g():\n    raise NotFound(N_('gone'))\n"
        "def h(exc):\n    raise ApiError(400, 'invalid', exc.message)\n"
    )
    found = _raised([(ROOT / "inbox" / "made_up.py", tree)])
    assert [isinstance(arg, ast.JoinedStr) for _w, arg in found] == [True, False, False]
    assert [_marked(arg) for _w, arg in found] == [None, "gone", None]
