"""Property-based fuzzing of the webhook and the REST API on SQLite and PostgreSQL side by side.

Every generated request goes to two apps, one per database, that have seen the same requests
before it. Each must answer below 500, both must give the same answer (status, error field, how
many stored, duplicated and refused), and a refused request must write nothing at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from connectors.webhook import sign
from inbox.admin.agents import create_agent, create_token
from inbox.channels.accounts import create_channel
from inbox.channels.demo import seed_defaults
from inbox.store.models import Conversation, Customer, Identity, Message, Order, Rule
from tests.conftest import SERVICES, empty_tables
from web.app import create_app
from web.config import Config

COUNTED = (Message, Conversation, Identity, Customer, Order, Rule)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


class Twin:
    """One app on one database, with a webhook channel and an admin token."""

    def __init__(self, url: str, tmp: Any) -> None:
        empty_tables(url)
        config = Config(
            database_url=url, secret_key="fuzz", testing=True, scheduler=False, instance_path=str(tmp)
        )
        self.app = create_app(config)
        self.inbox = self.app.extensions["murmur.inbox"]
        seed_defaults(self.inbox)
        channel, generated = create_channel(self.inbox, None, "webhook", "fuzz", {}, {})
        self.channel, self.secret = channel["id"], generated["webhook_secret"]
        create_agent(self.inbox, "fuzz@example.com", "long enough password", "admin", "Fuzz", ["Support"])
        self.auth = {"Authorization": f"Bearer {create_token(self.inbox, 'fuzz@example.com')}"}
        self.client = self.app.test_client()

    def counts(self) -> tuple[int, ...]:
        with self.inbox.read() as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) for m in COUNTED)


@pytest.fixture
def twins(sqlite_url, request, tmp_path) -> Iterator[list[Twin]]:
    urls = [sqlite_url] + ([request.getfixturevalue("postgresql_url")] if SERVICES else [])
    made = [Twin(url, tmp_path) for url in urls]
    yield made
    for t in made:
        t.inbox.engine.dispose()


def answer(res) -> tuple[int, Any]:  # type: ignore[no-untyped-def]
    """What must agree between the databases: the status and the shape of the answer."""
    assert res.status_code < 500, res.get_data(as_text=True)[:500]
    body = res.get_json(silent=True)
    if isinstance(body, dict) and "error" in body:
        return res.status_code, (body["error"]["code"], body["error"]["field"])
    if isinstance(body, dict) and "stored" in body:
        return res.status_code, (
            body["stored"],
            body["duplicates"],
            len(body["message_ids"]),
            body["rejected"],
        )
    return res.status_code, None


def same_everywhere(twins: list[Twin], send) -> tuple[int, Any]:  # type: ignore[no-untyped-def]
    """Send one request to every twin; the answers must agree, and a refusal must write nothing."""
    results = []
    for t in twins:
        before = t.counts()
        got = answer(send(t))
        if got[0] >= 400:
            assert t.counts() == before, f"a {got[0]} wrote rows: {got}"
        results.append(got)
    assert all(r == results[0] for r in results), results
    assert [t.counts() for t in twins] == [twins[0].counts()] * len(twins)
    return results[0]


# --- the webhook ---------------------------------------------------------------------------------

awkward_text = st.text(max_size=40) | st.sampled_from(
    ["\x00", "\ud800", "a\udfff", "x" * 256, "＝1+1", "", " "]
)
ids = st.text(min_size=1, max_size=12) | st.sampled_from(["1", "2", "3"]) | awkward_text
counts = st.integers(min_value=-5, max_value=2**70) | st.sampled_from([0, 2**31 - 1, 2**31, 2**63])
times = st.none() | st.sampled_from(
    ["2024-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "3000-01-01", "nope"]
)


@st.composite
def items(draw) -> Any:  # type: ignore[no-untyped-def]
    if draw(st.integers(0, 9)) == 0:
        return draw(
            st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2))
        )
    author: dict[str, Any] = {"id": draw(ids), "handle": draw(ids)}
    if draw(st.booleans()):
        author["followers"] = draw(counts)
    if draw(st.booleans()):
        author["name"] = draw(awkward_text)
    item: dict[str, Any] = {"id": draw(ids), "text": draw(awkward_text), "author": author}
    at = draw(times)
    if at is not None:
        item["created_at"] = at
    if draw(st.booleans()):
        item["thread"] = draw(ids)
    return item


deliveries = (
    items()
    | st.lists(items(), min_size=1, max_size=5)
    | st.builds(lambda xs: {"messages": xs}, st.lists(items(), max_size=5))
)


@FUZZ
@given(delivery=deliveries)
def test_webhook_deliveries_never_5xx_and_agree_on_both_databases(twins, delivery):
    raw = json.dumps(delivery).encode()  # ensure_ascii: lone surrogates travel as \ud800 escapes

    def send(t: Twin):  # type: ignore[no-untyped-def]
        headers = sign(t.secret, raw, int(time.time()))
        return t.client.post(f"/api/channels/{t.channel}/webhook", data=raw, headers=headers)

    status, detail = same_everywhere(twins, send)
    if status == 200:
        stored, duplicates, n_ids, rejected = detail
        assert stored == n_ids
        size = len(delivery) if isinstance(delivery, list) else len(delivery.get("messages", [None]))
        assert stored + duplicates + len(rejected) <= size


@FUZZ
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_webhook_bytes_of_any_kind_never_5xx(twins, raw):
    def send(t: Twin):  # type: ignore[no-untyped-def]
        return t.client.post(
            f"/api/channels/{t.channel}/webhook", data=raw, headers=sign(t.secret, raw, int(time.time()))
        )

    same_everywhere(twins, send)


# --- the REST API --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | counts | st.floats(allow_nan=False, allow_infinity=False) | awkward_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(awkward_text, inner, max_size=3),
    max_leaves=12,
)


def bodies_for(fields: dict[str, Any]) -> Any:
    """Objects with the endpoint's own field names (so validation gets past the first key) and junk."""
    known = st.fixed_dictionaries({}, optional={k: v | json_values for k, v in fields.items()})
    return known | json_values


WRITES = [
    (
        "POST",
        "/api/conversations/bulk",
        {"ids": st.lists(counts, max_size=3), "action": st.sampled_from(["resolve", "assign", "x"])},
    ),
    (
        "PATCH",
        "/api/conversations/1",
        {
            "status": st.sampled_from(["open", "resolved"]),
            "assignee_id": counts,
            "labels": st.lists(awkward_text, max_size=2),
            "snoozed_until": times,
        },
    ),
    (
        "POST",
        "/api/orders",
        {
            "orders": st.lists(
                st.fixed_dictionaries(
                    {
                        "customer_id": counts,
                        "amount": st.sampled_from(["1.00", "1e400", "-1"]),
                        "currency": st.sampled_from(["EUR", "eur"]),
                        "ordered_at": times,
                    }
                ),
                max_size=2,
            )
        },
    ),
    (
        "POST",
        "/api/rules",
        {
            "name": awkward_text,
            "trigger": st.sampled_from(["message.created", "x"]),
            "actions": st.lists(json_values, max_size=2),
            "order": counts,
        },
    ),
    (
        "POST",
        "/api/channels",
        {
            "kind": st.sampled_from(["webhook", "rss", "nope"]),
            "name": awkward_text,
            "team_id": counts,
            "poll_interval_seconds": counts,
        },
    ),
    (
        "POST",
        "/api/sla/policies",
        {"name": awkward_text, "first_response_minutes": counts, "team_id": counts, "calendar": json_values},
    ),
    ("PUT", "/api/messages/1/sentiment", {"label": st.sampled_from(["negative", "bad"])}),
    ("POST", "/api/customers/1/merge", {"other_id": counts}),
]


@FUZZ
@given(data=st.data())
def test_api_writes_never_5xx_and_agree_on_both_databases(twins, data):
    method, path, fields = data.draw(st.sampled_from(WRITES))
    body = data.draw(bodies_for(fields))
    raw = json.dumps(body)

    def send(t: Twin):  # type: ignore[no-untyped-def]
        return t.client.open(
            path, method=method, data=raw, headers={**t.auth, "Content-Type": "application/json"}
        )

    same_everywhere(twins, send)


QUERIES = {
    "/api/conversations": [
        "status",
        "assignee",
        "team",
        "limit",
        "offset",
        "sort",
        "updated_since",
        "label",
        "public",
    ],
    "/api/dashboard/messages": ["from", "to", "bucket", "author", "alert", "survey_group", "limit", "term"],
    "/api/search": ["q", "limit"],
    "/api/canned-responses": ["q", "limit"],
    "/api/webhooks/deliveries": ["status", "limit"],
}
query_values = st.one_of(
    awkward_text, counts.map(str), times.map(str), st.sampled_from(["me", "none", "true", "1e25"])
)


@FUZZ
@given(data=st.data())
def test_api_queries_never_5xx_and_agree_on_both_databases(twins, data):
    path = data.draw(st.sampled_from(sorted(QUERIES)))
    params = data.draw(st.dictionaries(st.sampled_from(QUERIES[path]), query_values, max_size=3))
    # the query string as a client would send it: NUL and the rest percent-encoded, surrogates replaced
    safe = {k: v.encode("utf-8", "replace").decode() for k, v in params.items()}

    def send(t: Twin):  # type: ignore[no-untyped-def]
        return t.client.get(path, query_string=safe, headers=t.auth)

    same_everywhere(twins, send)
