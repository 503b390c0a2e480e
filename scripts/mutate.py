"""`make mutate`: mutation-test the pure leaves against their own unit tests, one module at a time.

Why: a line covered by a test is not a line pinned by it. mutmut changes one operator, constant
or call at a time and reruns the module's tests; a mutant that survives is a behaviour no test
would notice changing. Each module runs in its own scratch copy of the work tree
(/tmp/murmur-mutate/<module>), so mutmut's `mutants/` folder and `setup.cfg` never touch the
checkout, and only the test files named below run (minutes, not the whole suite). The compiled
sentiment build is switched off (MURMUR_NATIVE=0): mutants are Python source.

    python scripts/mutate.py                 # every module
    python scripts/mutate.py sentiment/rank.py   # one (any key of MODULES)

Prints killed/total per module and each surviving mutant as a diff. Exit code 0 always: the
score is a report, not a gate (the README and docs/mutation-testing.md record it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path(os.environ.get("MURMUR_MUTATE_DIR", "/tmp/murmur-mutate"))
MUTMUT = Path(sys.executable).parent / "mutmut"

# module -> the unit tests that own it (kept narrow: mutmut reruns them per mutant)
MODULES: dict[str, list[str]] = {
    "sentiment/rank.py": [
        "tests/unit/sentiment/test_sent_rank.py",
        "tests/unit/sentiment/test_sent_rank_bounds.py",
    ],
    "escalation/operators.py": [
        "tests/unit/escalation/test_esc_operator_table.py",
        "tests/unit/escalation/test_esc_operators.py",
        "tests/unit/escalation/test_esc_boundaries.py",
        "tests/unit/escalation/test_esc_prepared.py",
        "tests/unit/escalation/test_esc_properties.py",
    ],
    "connectors/poller.py": [
        "tests/unit/connectors/test_conn_poller_rules.py",
        "tests/unit/connectors/test_conn_poller_guarantees.py",
    ],
    # not test_conn_recorded.py: one of its tests counts lookups in a cache that mutmut's
    # stats run has already filled, so its clean run fails there
    "connectors/cursor.py": [
        "tests/unit/connectors/test_conn_cursor.py",
        "tests/unit/connectors/test_conn_poller_guarantees.py",
    ],
}
DETECTED = ("killed", "timeout")
STATUS = re.compile(r"^\s*(\S+):\s+(\w[\w ]*)$")


def _copy_tree(dest: Path) -> None:
    """The tracked and untracked-but-not-ignored files: what a commit would hold."""
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())


def run_module(module: str, tests: list[str]) -> tuple[int, int, list[str]]:
    """Mutate one module; return (killed, total, surviving mutant names)."""
    work = SCRATCH / module.replace("/", "_").removesuffix(".py")
    _copy_tree(work)
    package = module.split("/")[0]
    selection = "\n".join(f"  {t}" for t in tests)
    (work / "setup.cfg").write_text(
        f"[mutmut]\nsource_paths={package}\nonly_mutate={module}\n"
        f"pytest_add_cli_args_test_selection=\n{selection}\n"
    )
    env = {**os.environ, "MURMUR_NATIVE": "0", "HYPOTHESIS_PROFILE": "ci"}
    log = work / "mutmut-run.log"
    with log.open("w") as fh:
        subprocess.run([str(MUTMUT), "run", "--max-children", "2"], cwd=work, env=env, stdout=fh, stderr=fh)
    listing = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"], cwd=work, env=env, capture_output=True, text=True
    ).stdout
    statuses = dict(m.groups() for line in listing.splitlines() if (m := STATUS.match(line)))
    if not statuses:
        print(f"{module}: mutmut produced no results; see {log}")
        return 0, 0, []
    # A timeout is a mutant that made the tests hang (a regex search without its time limit, say):
    # a run would notice it, so it counts as killed. "no tests", "survived" and anything else
    # (suspicious, segfault) count as not killed and are listed.
    killed = sum(1 for s in statuses.values() if s in DETECTED)
    surviving = [name for name, s in statuses.items() if s not in DETECTED]
    for name in surviving:
        diff = subprocess.run(
            [str(MUTMUT), "show", name], cwd=work, env=env, capture_output=True, text=True
        ).stdout
        changed = [ln for ln in diff.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        print(f"  survived {name} [{statuses[name]}]: " + " | ".join(changed)[:300])
    return killed, len(statuses), surviving


def main(argv: list[str]) -> int:
    chosen = argv or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        print(f"unknown module(s) {unknown}; choose from {list(MODULES)}")
        return 2
    scores = []
    for module in chosen:
        print(f"== {module} (tests: {' '.join(MODULES[module])})", flush=True)
        killed, total, _ = run_module(module, MODULES[module])
        scores.append((module, killed, total))
    print("\nmodule                      killed / total   score")
    for module, killed, total in scores:
        pct = f"{100 * killed / total:.1f}%" if total else "-"
        print(f"{module:<28}{killed:>6} / {total:<6}  {pct}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
