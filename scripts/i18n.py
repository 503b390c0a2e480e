"""`make i18n`: extract every marked string, update the parts files, build the catalogues.

    python scripts/i18n.py extract   # web/i18n/build/messages.pot from the code (pybabel extract)
    python scripts/i18n.py build     # merge parts/*.<locale>.po and compile .mo and JSON (what the app reads)
    python scripts/i18n.py missing   # per locale, the msgids that no part translates yet (a translator's to-do)
    python scripts/i18n.py add LOCALE CONCERN   # start parts/CONCERN.LOCALE.po with every missing msgid

Translators edit the parts files with any PO editor (Poedit, Lokalize) and run `make i18n`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from web.i18n import catalogs  # noqa: E402

POT = catalogs.BUILD / "messages.pot"
# Python and Jinja: Babel's default keywords and lazy_gettext; the browser: t(msgid) and nt(singular, plural, n)
PASSES = (
    ("babel.cfg", ["-k", "lazy_gettext", "-k", "_l"]),
    ("babel-js.cfg", ["--no-default-keywords", "-k", "t", "-k", "nt:1,2"]),
)


def _pybabel(config: str, keywords: list[str], out: Path) -> Catalog:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / config),
            *keywords,
            "--no-wrap",
            "--sort-by-file",
            "--project=Murmur",
            "-o",
            str(out),
            ".",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with out.open("rb") as fh:
        return read_po(fh)


def extract(out: Path = POT) -> Catalog:
    """`pybabel extract` over the code as babel.cfg and babel-js.cfg say; one template catalogue."""
    out.parent.mkdir(parents=True, exist_ok=True)
    template = Catalog(project="Murmur", domain=catalogs.DOMAIN)
    for config, keywords in PASSES:
        part = _pybabel(config, keywords, out.with_suffix(".part.pot"))
        for message in part:
            if message.id and template.get(message.id, message.context) is None:
                template.add(
                    message.id, locations=message.locations, flags=message.flags, context=message.context
                )
            elif message.id:
                template.get(message.id, message.context).locations.extend(message.locations)
    out.with_suffix(".part.pot").unlink(missing_ok=True)
    with out.open("wb") as fh:
        write_po(fh, template, width=0)
    return template


def missing(locale: str, template: Catalog) -> list[str]:
    merged = catalogs.merge(locale)
    out = []
    for message in template:
        if not message.id:
            continue
        have = merged.get(message.id, message.context)
        if have is None or not catalogs._done(have):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def add(locale: str, concern: str) -> Path:
    """A new parts file with every msgid `locale` still lacks, for a translator to fill in."""
    template = extract()
    merged = catalogs.merge(locale)
    part = Catalog(locale=locale, domain=catalogs.DOMAIN)
    for message in template:
        if message.id and (merged.get(message.id) is None or not catalogs._done(merged.get(message.id))):
            part.add(message.id, "" if isinstance(message.id, str) else ("",), context=message.context)
    path = catalogs.PARTS / f"{concern}.{locale}.po"
    with path.open("wb") as fh:
        write_po(fh, part, no_location=True, omit_header=False, width=0)
    return path


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    if command == "extract":
        print(f"{len(extract())} messages -> {POT.relative_to(ROOT)}")
    elif command == "build":
        for locale, built in catalogs.ensure_built().items():
            print(f"{locale}: {built.json_path.relative_to(ROOT)} ({built.digest})")
    elif command == "missing":
        template = extract()
        worst = 0
        for locale in catalogs.TRANSLATED:
            gaps = missing(locale, template)
            worst = max(worst, len(gaps))
            print(f"{locale}: {len(gaps)} of {len(template)} untranslated")
            for msgid in gaps:
                print(f"  {msgid!r}")
        return 1 if worst else 0
    elif command == "add" and len(argv) == 3:
        print(add(argv[1], argv[2]).relative_to(ROOT))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
