"""CSV that is safe to open in any spreadsheet: the one writer every export goes through.

A spreadsheet runs a cell that starts with = + - @ as a formula (and Excel's DDE, LibreOffice and
Google Sheets also look past leading spaces, tabs and newlines, and read the fullwidth signs
＝ ＋ － ＠ as the ASCII ones). Social text is untrusted, so any text cell whose first non-blank
character is one of those, or which starts with a tab or carriage return, is prefixed with an
apostrophe, which every spreadsheet shows as text and does not display. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# The signs that start a formula: ASCII, fullwidth (U+FF1D U+FF0B U+FF0D U+FF20) and the minus
# sign U+2212, which some spreadsheets also read as a leading minus.
FORMULA_SIGNS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\u2212")
_CONTROL_START = frozenset("\t\r\n")


def safe_cell(value: Any) -> Any:
    """A cell value that no spreadsheet will run: text that could start a formula gets a leading `'`."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value:
        return value
    # apostrophes already in front are kept and one more added, so `unsafe_cell` can tell them apart
    rest = value.lstrip("'")
    if rest and (rest[0] in _CONTROL_START or rest.lstrip()[:1] in FORMULA_SIGNS):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """The text `safe_cell` protected, for a reader of our own exports (`murmur eval-sentiment`)."""
    if value.startswith("'") and safe_cell(value[1:]) == value:
        return value[1:]
    return value


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Dicts as CSV text, columns from the first row unless given, every cell through `safe_cell`."""
    buf = io.StringIO()
    fields = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if fields:
        writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: safe_cell(v) for k, v in r.items()})
    return buf.getvalue()


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header and rows of values as CSV text, every cell through `safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()
