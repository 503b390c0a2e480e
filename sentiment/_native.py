"""Use the mypyc build of the scoring modules (`scripts/build_native.py`) when it matches the sources.

The build lives in the virtualenv, not beside the sources, and is put first on this package's
`__path__` only when its manifest names this interpreter and every compiled source still has
the hash it was built from; otherwise every module is the plain Python one. All or nothing:
compiled modules call each other directly, so one stale module cannot be swapped out alone.
`MURMUR_NATIVE=0` forces plain Python.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path

# Compiled, in dependency order. Not compiled: lexicon (data), evaluation and bench (tools), and
# types: compiled dataclasses would check their fields' types, and callers may pass junk that
# the scorers and `rank` are written to tolerate (the plain classes accept it).
COMPILED = (
    "language",
    "emoji",
    "cues",
    "english",
    "th_segment",
    "thai",
    "linear",
    "en_support",
    "zh_fast",
    "zh_segment",  # the dashboard's rising terms (inbox.insights.analytics.terms)
    "rank",
    "scoring",
)
GROUP = "sentiment"  # mypyc's shared library for the group is the module "sentiment__mypyc"
MANIFEST = "manifest.json"

log = logging.getLogger("murmur.native")


def native_root() -> Path:
    return Path(sys.prefix) / "murmur-native"


def enable(package_path: list[str]) -> str | None:
    """Put the compiled modules first on `package_path` if they are current; else say why not."""
    if os.environ.get("MURMUR_NATIVE", "1") == "0":
        return "MURMUR_NATIVE=0"
    root = native_root()
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except FileNotFoundError:
        return "not built (make native)"
    except (OSError, ValueError) as exc:
        return f"unreadable build manifest: {exc}"
    if manifest.get("python") != sys.version:
        return "built for another Python"
    sources = manifest.get("sources") or {}
    if tuple(sources) != COMPILED:
        return "built from another module list"
    here = Path(package_path[-1])
    for name, digest in sources.items():
        if hashlib.sha256((here / f"{name}.py").read_bytes()).hexdigest() != digest:
            reason = f"{name}.py changed since the build; run `make native` to rebuild"
            log.warning("compiled sentiment modules not used: %s", reason)
            return reason
    libs = sorted(root.glob(f"{GROUP}__mypyc.*"))
    if not libs:
        return "build incomplete"
    spec = importlib.util.spec_from_file_location(f"{GROUP}__mypyc", libs[0])
    if spec is None or spec.loader is None:
        return "build incomplete"
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    sys.modules[spec.name] = shared  # the compiled modules import it by this name
    package_path.insert(0, str(root / "sentiment"))
    return None
