"""The pure parser behind `murmur import orders FILE.csv`.

Expected file: UTF-8 CSV (comma, semicolon or tab separated, detected from
the header line) whose header names, in any order and case:

- a customer reference: `customer_id`, `customer_email` (or `email`), or
  `handle` (or `customer_handle`); at least one. Per row the first non-empty
  of id, email, handle is used;
- `amount` (or `total`): a plain decimal number with a `.` separator, >= 0,
  parsed as `Decimal` (no thousands separators or currency symbols: "1,234"
  is ambiguous between locales, so it is rejected rather than guessed);
- `currency`: a three-letter ISO 4217 code (or pass `default_currency`);
- `ordered_at` (or `order_date`, `date`): ISO 8601 date or date-time; a date
  means midnight and a time without offset means UTC;
- optional `order_id`: when present it must be unique within the file.

Other columns are ignored. A file whose header lacks these columns, that is
empty, or that is not text raises `OrdersFileError` before the first row is
yielded, so the importer stores nothing. Otherwise every bad row is rejected
with its line number (the physical line where the record starts) and a
reason, and parsing goes on.

Streaming: `iter_orders` reads one record at a time from any iterable of
lines (an open file), holding only the set of order ids seen; `parse_orders`
collects its output. 100,000 rows parse in well under a second on a laptop.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import NamedTuple

from inbox.insights.analytics.types import Order

REFERENCE_KINDS = ("customer_id", "customer_email", "handle")
_ALIASES = {
    "customer_id": "customer_id",
    "customer_email": "customer_email",
    "email": "customer_email",
    "handle": "handle",
    "customer_handle": "handle",
    "amount": "amount",
    "total": "amount",
    "currency": "currency",
    "ordered_at": "ordered_at",
    "order_date": "ordered_at",
    "date": "ordered_at",
    "order_id": "order_id",
}
_AMOUNT = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class OrdersFileError(ValueError):
    """The file as a whole is not an orders CSV; nothing from it may be stored."""


@dataclass(frozen=True, slots=True)
class CustomerRef:
    kind: str  # one of REFERENCE_KINDS
    value: str


@dataclass(frozen=True, slots=True)
class OrderRow:
    line_number: int
    customer: CustomerRef
    amount: Decimal
    currency: str
    ordered_at: datetime
    order_id: str | None = None

    def to_order(self) -> Order:
        return Order(self.amount, self.ordered_at, self.currency, self.order_id)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line_number: int
    reason: str


class ParsedOrders(NamedTuple):
    valid: list[OrderRow]
    rejected: list[tuple[int, str]]


def _normalise(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


def _header(first_line: str, default_currency: str | None) -> tuple[str, dict[str, int], int]:
    """Pick the delimiter that yields the expected columns; map canonical names to positions."""
    if "\x00" in first_line:
        raise OrdersFileError("this is not a text CSV file (it contains NUL bytes)")
    best: tuple[str, dict[str, int], int] | None = None
    for delimiter in (",", ";", "\t"):
        fields = next(csv.reader([first_line], delimiter=delimiter), [])
        columns: dict[str, int] = {}
        for i, raw in enumerate(fields):
            name = _ALIASES.get(_normalise(raw))
            if name is None:
                continue
            if name in columns:
                raise OrdersFileError(f"column {name!r} appears twice in the header")
            columns[name] = i
        if best is None or len(columns) > len(best[1]):
            best = (delimiter, columns, len(fields))
    assert best is not None
    delimiter, columns, width = best
    missing = []
    if not any(k in columns for k in REFERENCE_KINDS):
        missing.append("customer_id, customer_email or handle")
    missing += [c for c in ("amount", "ordered_at") if c not in columns]
    if "currency" not in columns and default_currency is None:
        missing.append("currency")
    if missing:
        raise OrdersFileError(
            f"not an orders CSV: the header lacks {'; '.join(missing)} (found: {first_line.strip()[:200]!r})"
        )
    return delimiter, columns, width


def _parse_time(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    if len(raw) <= 10 and "T" not in raw and " " not in raw:
        value = datetime.combine(value.date(), time())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row(
    fields: list[str], columns: dict[str, int], width: int, line: int, default_currency: str | None
) -> OrderRow | str:
    if len(fields) != width:
        return f"expected {width} fields, found {len(fields)}"

    def cell(name: str) -> str:
        i = columns.get(name)
        return fields[i].strip() if i is not None else ""

    ref: CustomerRef | None = None
    for kind in REFERENCE_KINDS:
        value = cell(kind)
        if value:
            if kind == "customer_email":
                if not _EMAIL.fullmatch(value):
                    return f"customer_email {value[:80]!r} is not an email address"
                value = value.lower()
            elif kind == "handle":
                value = value.lstrip("@")
            ref = CustomerRef(kind, value)
            break
    if ref is None or not ref.value:
        return "no customer reference (customer_id, customer_email or handle)"

    raw_amount = cell("amount")
    if raw_amount.startswith("-"):
        return f"amount {raw_amount[:40]!r} is negative"
    if not _AMOUNT.fullmatch(raw_amount):
        return f"amount {raw_amount[:40]!r} is not a plain decimal number such as 12.50"
    try:
        amount = Decimal(raw_amount)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        return f"amount {raw_amount[:40]!r} is not a number"

    currency = cell("currency").upper() or (default_currency or "")
    if not _CURRENCY.fullmatch(currency):
        return f"currency {currency[:20]!r} is not a three-letter code such as EUR"

    raw_time = cell("ordered_at")
    try:
        ordered_at = _parse_time(raw_time)
    except ValueError:
        return f"ordered_at {raw_time[:40]!r} is not an ISO 8601 date or date-time"
    return OrderRow(line, ref, amount, currency, ordered_at, cell("order_id") or None)


def iter_orders(
    lines: Iterable[str],
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
    default_currency: str | None = None,
) -> Iterator[OrderRow | RejectedRow]:
    """Yield each data row as an `OrderRow` or a `RejectedRow`, in file order.

    Raises `OrdersFileError` on the first `next()` when the file is not an
    orders CSV. `on_progress(rows_read)` is called every `progress_every`
    records and once at the end. Blank lines are skipped silently.
    """
    it = iter(lines)
    first = next((line for line in it if line.strip()), None)
    if first is None:
        raise OrdersFileError("the file is empty: expected a header line and order rows")
    delimiter, columns, width = _header(first, default_currency)
    default = default_currency.upper() if default_currency else None
    reader = csv.reader(chain([first], it), delimiter=delimiter)
    next(reader)
    seen_ids: dict[str, int] = {}
    start = reader.line_num + 1
    rows = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows += 1
            reason = f"unreadable CSV record: {exc}"
            if reader.line_num > start:
                reason += f"; lines {start}-{reader.line_num} skipped (an unbalanced quote?)"
            yield RejectedRow(start, reason)
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        rows += 1
        if on_progress is not None and rows % progress_every == 0:
            on_progress(rows)
        result = _row(fields, columns, width, line, default)
        if isinstance(result, str):
            if reader.line_num > line:
                result += f" (the record spans lines {line}-{reader.line_num}: unbalanced quote?)"
            yield RejectedRow(line, result)
            continue
        if result.order_id is not None:
            first_line = seen_ids.setdefault(result.order_id, line)
            if first_line != line:
                yield RejectedRow(
                    line, f"duplicate order_id {result.order_id!r} (first on line {first_line})"
                )
                continue
        yield result
    if on_progress is not None:
        on_progress(rows)


def parse_orders(
    lines: Iterable[str],
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
    default_currency: str | None = None,
) -> ParsedOrders:
    """Parse a whole file: ``(valid_rows, rejected)`` with rejected as ``(line_number, reason)``.

    Raises `OrdersFileError` before returning anything when the file is not
    an orders CSV.
    """
    valid: list[OrderRow] = []
    rejected: list[tuple[int, str]] = []
    for item in iter_orders(lines, on_progress, progress_every, default_currency):
        if isinstance(item, OrderRow):
            valid.append(item)
        else:
            rejected.append((item.line_number, item.reason))
    return ParsedOrders(valid, rejected)
