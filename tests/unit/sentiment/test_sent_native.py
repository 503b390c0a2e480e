"""The mypyc build of the scoring modules: same results as plain Python, used only when current."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sentiment
from sentiment import _native

ROOT = Path(__file__).resolve().parents[3]

# Scores, cues and ranks of the bench corpus plus awkward strings, as JSON, from a fresh process.
_PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import sentiment
from sentiment import RankFacts, rank, score, urgency_cues
from web.bench.common import texts
odd = ["", " ", "\x00", "\ud800 broken", "😡😡 !!!", "不不不好", "ไม่ดีเลย 555", "A" * 5000, "Refund?? NOW!!!"]
rows = [(t, lang) for t, lang in texts(1500, seed=11)] + [(t, None) for t in odd]
out = []
for text, lang in rows:
    s = score(text, lang)
    cues = urgency_cues(text, s.language)
    p = rank(RankFacts(compound=s.compound, followers=len(text) * 37, vip=len(text) % 2 == 0,
                       clv=len(text) * 3.5, urgency_terms=cues, waiting_minutes=len(text) / 7,
                       repeat_contacts=len(text) % 5, public=len(text) % 3 == 0))
    out.append([s.compound, s.label, s.language, s.confidence, list(s.reasons), list(cues),
                p.value, p.base, p.ceiling, p.curve, p.settles_in, [list(c) for c in p.components]])
# What callers may hand the boundary functions besides well-typed values: compiled code must
# tolerate what plain Python tolerates (an error either way counts as the same outcome).
def attempt(call):
    try:
        return call()
    except Exception:
        return "raised"
junk = [None, 42, 3.5, b"bytes", ["list"], float("nan")]
for value in junk:
    out.append([attempt(lambda: list(score(value, value).reasons)), attempt(lambda: score("ok", value).label),
                attempt(lambda: list(urgency_cues(value, value))), attempt(lambda: list(urgency_cues("refund", value))),
                attempt(lambda: sentiment.script_of(value))])
    for field in ("compound", "followers", "clv", "waiting_minutes", "sla_minutes", "repeat_contacts",
                  "lifecycle_stage", "urgency_terms"):
        out.append(attempt(lambda: rank(RankFacts(**{field: value})).value))
print(json.dumps({"native": sentiment.NATIVE, "scoring": sentiment.scoring.__file__, "rows": out}))
"""


@functools.cache
def _probe(native: bool) -> dict:
    env = {**os.environ, "MURMUR_NATIVE": "1" if native else "0"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


# `make test` builds the scorers and says so; a developer may also export MURMUR_NATIVE=0 to run
# this process on plain Python. The probes set MURMUR_NATIVE themselves, so they hold either way.
MAKE_TEST = os.environ.get("MURMUR_TEST_NATIVE") == "1"
FORCED_OFF = os.environ.get("MURMUR_NATIVE") == "0"


def test_compiled_and_plain_python_agree_exactly() -> None:
    plain, compiled = _probe(native=False), _probe(native=True)
    assert plain["native"] == "MURMUR_NATIVE=0" and plain["scoring"].endswith(".py")
    if MAKE_TEST:
        assert compiled["native"] is None, compiled["native"]  # make native ran: the build is current
    elif not FORCED_OFF:
        assert compiled["native"] == sentiment.NATIVE  # whatever this environment has
    else:
        assert compiled["native"] != "MURMUR_NATIVE=0"  # the probe asked for the build
    assert len(plain["rows"]) == len(compiled["rows"]) > 1500
    for a, b in zip(plain["rows"], compiled["rows"], strict=True):
        assert a == b


@pytest.mark.skipif(not MAKE_TEST, reason="needs MURMUR_TEST_NATIVE=1 (make test)")
def test_make_test_runs_the_compiled_build() -> None:
    compiled = _probe(native=True)
    assert compiled["native"] is None and compiled["scoring"].endswith(".so"), compiled["native"]
    if FORCED_OFF:  # this process was told to run plain Python, and does
        assert sentiment.NATIVE == "MURMUR_NATIVE=0" and sentiment.scoring.__file__.endswith(".py")
    else:
        assert sentiment.NATIVE is None, sentiment.NATIVE
        assert sentiment.scoring.__file__.endswith(".so")


def _fake_build(root: Path, sources: Path, **changes: object) -> None:
    root.mkdir(parents=True, exist_ok=True)
    manifest = {
        "python": sys.version,
        "sources": {
            n: hashlib.sha256((sources / f"{n}.py").read_bytes()).hexdigest() for n in _native.COMPILED
        },
    }
    manifest.update(changes)
    (root / _native.MANIFEST).write_text(json.dumps(manifest))


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    here = tmp_path / "src"
    here.mkdir()
    for name in _native.COMPILED:
        (here / f"{name}.py").write_text(f"# {name}\n")
    return here


def test_stale_or_foreign_builds_are_not_used(
    tmp_path: Path, source_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "native"
    monkeypatch.setattr(_native, "native_root", lambda: root)
    monkeypatch.delenv("MURMUR_NATIVE", raising=False)
    path = [str(source_dir)]
    assert "not built" in _native.enable(path)

    _fake_build(root, source_dir, python="2.7.18")
    assert _native.enable(path) == "built for another Python"

    _fake_build(root, source_dir)
    (source_dir / "english.py").write_text("# edited after the build\n")
    assert "english.py changed since the build" in _native.enable(path)

    (source_dir / "english.py").write_text("# english\n")
    assert _native.enable(path) == "build incomplete"  # manifest but no shared library
    monkeypatch.setenv("MURMUR_NATIVE", "0")
    assert _native.enable(path) == "MURMUR_NATIVE=0"
    assert path == [str(source_dir)]  # never touched when not used
