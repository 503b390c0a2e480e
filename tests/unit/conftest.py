"""Fixtures shared by the unit tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def extracted_template(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The template catalogue of scripts/i18n.py's extraction (what `make i18n` runs), made once a
    session: it runs `pybabel extract` in subprocesses (~5 s on a busy machine), and two test
    modules read it without changing it."""
    spec = importlib.util.spec_from_file_location("murmur_i18n_script_template", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.extract(tmp_path_factory.mktemp("pot") / "messages.pot")
