"""Cursor encoding and the "backwards sweep" shared by networks that only page older.

Cursors are opaque strings to the inbox; adapters keep small JSON objects in them.
Bluesky and Reddit list newest first and page only towards older items, so a poll
walks from the top until it meets what it has already seen. The high-water mark
is (time key, ids at exactly that time), so two items sharing a timestamp across a
poll boundary are neither lost nor repeated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.errors import PayloadError


def load(cursor: str | None) -> dict[str, Any]:
    """Decode a JSON cursor; None or "" is the first poll."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except json.JSONDecodeError:
        raise PayloadError("cursor", "not a cursor this channel wrote") from None
    if not isinstance(value, dict):
        raise PayloadError("cursor", "not a cursor this channel wrote")
    return value


def dump(value: dict[str, Any]) -> str:
    """Encode a cursor deterministically (equal state, equal string: the poller compares them)."""
    return json.dumps(
        {k: v for k, v in value.items() if v is not None}, sort_keys=True, separators=(",", ":")
    )


def parse_iso(value: str | None) -> datetime:
    """ISO-8601 (with Z) to aware UTC; the epoch for missing values, so sorting still works."""
    if not value:
        return datetime.fromtimestamp(0, UTC)
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    """One listed item for the sweep: its time key, its id, and whether we want it at all."""

    key: float
    id: str
    wanted: bool = True


def sweep(
    state: dict[str, Any], items: Sequence[Item], next_page: str | None
) -> tuple[list[str], dict, bool]:
    """One page of a newest-first listing: (ids of new wanted items, next state, more pages?)."""
    hwm, seen = state.get("hwm"), set(state.get("seen", []))
    top, top_seen = state.get("top", hwm), set(state.get("top_seen", state.get("seen", [])))
    fresh: list[str] = []
    reached_known = False
    for it in items:
        if hwm is not None and (it.key < hwm or (it.key == hwm and it.id in seen)):
            reached_known = True
            continue
        if it.wanted:
            fresh.append(it.id)
        if top is None or it.key > top:
            top, top_seen = it.key, {it.id}
        elif it.key == top:
            top_seen.add(it.id)
    first_run = hwm is None
    if first_run or reached_known or not next_page:
        if top is None:  # nothing ever seen: follow from the start so later items are not skipped
            return fresh, {"hwm": 0.0, "seen": []}, False
        return fresh, {"hwm": top, "seen": sorted(top_seen)}, False
    mid = {"hwm": hwm, "seen": sorted(seen), "page": next_page, "top": top, "top_seen": sorted(top_seen)}
    return fresh, mid, True


def iso_now(ts: float) -> str:
    """An epoch time as the millisecond ISO-8601 form networks expect."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"
