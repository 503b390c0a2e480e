"""Compile the sentiment leaf's scoring modules to C extensions with mypyc (`make native`).

Why: scoring is the largest part of ingesting a message that is pure Python, and mypyc (the
compiler mypy and black ship with) runs these typed modules unchanged, faster: English about
1.25x, Chinese about 1.6x. The sources stay the source of truth; the build goes into the
virtualenv (`<sys.prefix>/murmur-native`, see `sentiment/_native.py`) with a manifest of the
sources' hashes, and is used only while every one of them still matches. An edited source, a
failed build, a machine without a C compiler, or MURMUR_NATIVE=0: the package runs as plain
Python, with the same results (tests/unit/sentiment/test_sent_native.py compares them).

Run with the project's interpreter: `.venv/bin/python scripts/build_native.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment._native import COMPILED, GROUP, MANIFEST, native_root  # noqa: E402


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build() -> Path:
    """Build into a temporary directory, then swap it in whole: a half-built tree is never used."""
    from mypyc.build import mypycify
    from setuptools import setup

    target = native_root()
    sources = [f"sentiment/{name}.py" for name in COMPILED]
    work = Path(tempfile.mkdtemp(prefix="murmur-native-"))
    out = work / "lib"
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        extensions = mypycify(
            ["--ignore-missing-imports", *sources],
            opt_level="3",
            group_name=GROUP,
            target_dir=str(work / "c"),
        )
        setup(
            name="murmur-native",
            ext_modules=extensions,
            script_args=["--quiet", "build_ext", "--build-lib", str(out), "--build-temp", str(work / "tmp")],
        )
    finally:
        os.chdir(cwd)
    manifest = {
        "python": sys.version,
        "sources": {name: digest(ROOT / "sentiment" / f"{name}.py") for name in COMPILED},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(out), target)
    shutil.rmtree(work, ignore_errors=True)
    return target


def main() -> int:
    try:
        target = build()
    except Exception as exc:  # noqa: BLE001 - any failure leaves plain Python in use, said loudly
        shutil.rmtree(native_root(), ignore_errors=True)
        print(
            f"native build failed ({type(exc).__name__}: {exc}); sentiment runs as plain Python",
            file=sys.stderr,
        )
        return 0
    except SystemExit as exc:  # setuptools reports a compiler error this way
        shutil.rmtree(native_root(), ignore_errors=True)
        print(f"native build failed ({exc}); sentiment runs as plain Python", file=sys.stderr)
        return 0
    print(f"compiled {len(COMPILED)} sentiment modules into {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
