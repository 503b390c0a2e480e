"""Every bad input of issue 18 answers the right 4xx, the same on SQLite and PostgreSQL, and stores nothing.

Each case was a 500 (or a 200 on SQLite and a 500 on PostgreSQL) before the validation layer.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from inbox.store.limits import INT32_MAX
from inbox.store.models import Conversation, Customer, Identity, Message, Order
from tests.service.conftest import message

HUGE = 10**25  # past 64 bits
PAST_32 = 2**31  # fits 64 bits, not PostgreSQL's INTEGER


def counts(inbox) -> tuple[int, ...]:
    with inbox.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Message, Conversation, Identity, Customer, Order)
        )


def error_of(res) -> dict:
    body = res.get_json()
    assert body is not None and set(body) == {"error"}, res.get_data(as_text=True)[:300]
    return body["error"]


# --- integers past the columns' range ----------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE, PAST_32])
def test_path_ids_that_cannot_exist_are_404_even_unauthenticated(client, world, number):
    assert client.get(f"/api/channels/{number}/webhook").status_code == 404
    assert client.post(f"/api/channels/{number}/webhook", data=b"{}").status_code == 404
    admin = world.agent("admin")
    for method, path in [("GET", "/api/conversations/{}"), ("DELETE", "/api/rules/{}")]:
        res = client.open(path.format(number), method=method, headers=admin["auth"])
        assert res.status_code == 404 and error_of(res)["code"] == "not_found"


def test_every_path_id_of_every_endpoint_past_the_range_is_404(app, client, world):
    """All endpoints with an id in the path (29 of them answered 500 with 1e25)."""
    admin = world.agent("admin")
    rules = [
        r
        for r in app.url_map.iter_rules()
        if any(type(c).__name__ == "IdConverter" for c in r._converters.values())
    ]
    assert len(rules) >= 20
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for number in (HUGE, PAST_32):
                path = re.sub(r"<[^>]+>", str(number), rule.rule)
                res = client.open(
                    path,
                    method=method,
                    headers={**admin["auth"], "Content-Type": "application/json"},
                    data="{}",
                )
                assert res.status_code == 404, (
                    method,
                    path,
                    res.status_code,
                    res.get_data(as_text=True)[:200],
                )


def test_ids_past_the_range_in_bodies_are_400_naming_the_field(client, world, inbox):
    admin = world.agent("admin")
    before = counts(inbox)
    res = client.post(
        "/api/conversations/bulk", json={"ids": [1e25], "action": "resolve"}, headers=admin["auth"]
    )
    assert res.status_code == 400 and error_of(res)["field"] == "ids[0]"
    res = client.post(
        "/api/channels", json={"kind": "webhook", "name": "x", "team_id": 1e25}, headers=admin["auth"]
    )
    assert res.status_code == 400 and error_of(res)["field"] == "team_id"
    res = client.post(
        "/api/channels",
        data='{"kind": "webhook", "name": "x", "team_id": 10000000000000000000000000}',
        headers={**admin["auth"], "Content-Type": "application/json"},
    )
    assert res.status_code == 400 and error_of(res)["field"] == "team_id"
    order = {"customer_id": 1e25, "amount": "10.00", "currency": "EUR", "ordered_at": "2024-01-01T00:00:00Z"}
    res = client.post("/api/orders", json={"orders": [order]}, headers=admin["auth"])
    assert res.status_code == 400 and error_of(res)["field"] == "orders[0].customer_id"
    res = client.patch("/api/conversations/1", json={"assignee_id": PAST_32}, headers=admin["auth"])
    assert res.status_code == 400 and error_of(res)["field"] == "assignee_id"
    assert counts(inbox) == before


@pytest.mark.parametrize("followers", [2**31, 2**63, -1])
def test_follower_counts_past_the_column_are_400_on_both_databases(world, inbox, post_webhook, followers):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, message("m1", followers=followers))
    assert res.status_code == 400 and error_of(res)["field"] == "author.followers"
    assert counts(inbox)[:4] == (0, 0, 0, 0)
    ok = post_webhook(channel_id, secret, message("m2", followers=INT32_MAX))
    assert ok.status_code == 200 and ok.get_json()["stored"] == 1


# --- the other 500s ----------------------------------------------------------------------------


def test_query_parameters_are_typed(client, world):
    agent = world.agent()
    for query, field in [
        ("assignee=abc", "assignee"),
        ("assignee=99999999999999999999", "assignee"),
        ("team=abc", "team"),
        ("limit=1e25", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("sort=sideways", "sort"),
        ("updated_since=9999-12-31T23:59:59-14:00", "updated_since"),
        ("label=%00", "label"),
    ]:
        res = client.get(f"/api/conversations?{query}", headers=agent["auth"])
        assert res.status_code == 400 and error_of(res)["field"] == field, (query, res.get_json())
    assert client.get("/api/conversations?assignee=me&limit=200", headers=agent["auth"]).status_code == 200


def test_a_body_nested_100000_levels_is_400(client, world, post_webhook):
    admin = world.agent("admin")
    deep = "[" * 100_000 + "]" * 100_000
    res = client.post("/api/rules", data=deep, headers={**admin["auth"], "Content-Type": "application/json"})
    assert res.status_code == 400 and error_of(res)["field"] == "body"
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, None, raw=('{"messages": ' + deep + "}").encode())
    assert res.status_code == 400 and error_of(res)["field"] == "body"


@pytest.mark.parametrize(
    "created_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "3000-01-01"]
)
def test_times_out_of_range_are_400(world, inbox, post_webhook, client, created_at):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, message("m1", created_at=created_at))
    assert res.status_code == 400 and error_of(res)["field"] == "created_at", res.get_json()
    admin = world.agent("admin")
    order = {"handle": "h", "amount": "1.00", "currency": "EUR", "ordered_at": created_at}
    res = client.post("/api/orders", json={"orders": [order]}, headers=admin["auth"])
    assert res.status_code == 400 and error_of(res)["field"] == "orders[0].ordered_at"
    assert counts(inbox)[:4] == (0, 0, 0, 0)


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"])
@pytest.mark.parametrize("where", ["text", "id", "author.handle", "author.id", "author.name", "thread"])
def test_nul_and_lone_surrogates_are_400_on_both_databases(world, inbox, post_webhook, bad, where):
    """A NUL was stored with 200 on SQLite and a 500 on PostgreSQL; a lone surrogate a 500 on both."""
    channel_id, secret = world.webhook_channel()
    msg = message("m1")
    if where.startswith("author."):
        msg["author"][where.split(".")[1]] = bad
    else:
        msg[where] = bad
    raw = json.dumps(msg).encode()  # ensure_ascii: the surrogate travels as the escape \ud800
    res = post_webhook(channel_id, secret, None, raw=raw)
    assert res.status_code == 400 and error_of(res)["field"] == where, res.get_json()
    assert counts(inbox)[:4] == (0, 0, 0, 0)


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"])
def test_nul_and_lone_surrogates_in_api_bodies_are_400(client, world, bad):
    admin = world.agent("admin")
    res = client.post(
        "/api/channels",
        data=json.dumps({"kind": "webhook", "name": "shop", "settings": {"reply_url": bad}}),
        headers={**admin["auth"], "Content-Type": "application/json"},
    )
    assert res.status_code == 400 and error_of(res)["field"] == "settings.reply_url"


@pytest.mark.parametrize("where", ["id", "author.id", "author.handle", "thread"])
def test_strings_longer_than_their_column_are_400_on_both_databases(world, inbox, post_webhook, where):
    """A 256-character id was stored on SQLite and a 500 on PostgreSQL."""
    channel_id, secret = world.webhook_channel()
    msg = message("m1")
    long = "x" * 256
    if where.startswith("author."):
        msg["author"][where.split(".")[1]] = long
    else:
        msg[where] = long
    res = post_webhook(channel_id, secret, msg)
    assert res.status_code == 400 and error_of(res)["field"] == where
    assert "at most" in error_of(res)["message"]
    assert counts(inbox)[:4] == (0, 0, 0, 0)


def test_one_bad_item_in_a_batch_is_refused_alone_and_the_rest_stored(world, inbox, post_webhook):
    """On PostgreSQL one NUL failed the whole batch with a 500, so a retrying sender was stuck for ever."""
    channel_id, secret = world.webhook_channel()
    batch = [
        message("ok-1"),
        message("nul", text="bad\x00text"),
        message("ok-2", author="u2"),
        {"id": "no-author", "text": "hi"},
        message("long", author="y" * 300),
        message("ok-3", author="u3"),
    ]
    res = post_webhook(channel_id, secret, {"messages": batch})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["stored"] == 3 and len(body["message_ids"]) == 3
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "messages[1].text"),
        (3, "messages[3].author"),
        (4, "messages[4].author.id"),
    ]
    with inbox.read() as s:
        assert sorted(s.scalars(select(Message.external_id))) == ["ok-1", "ok-2", "ok-3"]
    # the sender retries the same batch: nothing doubled, the same items refused
    again = post_webhook(channel_id, secret, {"messages": batch})
    assert (
        again.status_code == 200 and again.get_json()["stored"] == 0 and again.get_json()["duplicates"] == 3
    )
    assert len(again.get_json()["rejected"]) == 3
    assert counts(inbox)[0] == 3


def test_a_batch_of_only_bad_items_is_400_listing_every_reason(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, [message("a", text="\x00"), message("b", followers=2**40)])
    assert res.status_code == 400
    err = error_of(res)
    assert err["field"] == "[0].text"
    assert [e["field"] for e in err["errors"]] == ["[0].text", "[1].author.followers"]
    assert counts(inbox)[:4] == (0, 0, 0, 0)


# --- limits, methods, the document ---------------------------------------------------------------


def test_bodies_over_the_limit_are_413_before_they_are_read(client, world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    big = json.dumps(message("big", text="x" * (3 * 1024 * 1024))).encode()
    res = post_webhook(channel_id, secret, None, raw=big)  # signed, but over the webhook kind's 2 MiB
    assert res.status_code == 413 and error_of(res)["code"] == "too_large"
    assert res.headers["Connection"] == "close"
    admin = world.agent("admin")
    res = client.post(
        "/api/rules",
        data=b"[" + b" " * (2 * 1024 * 1024) + b"]",
        headers={**admin["auth"], "Content-Type": "application/json"},
    )
    assert res.status_code == 413
    assert counts(inbox)[0] == 0
    ok = post_webhook(channel_id, secret, message("fits", text="y" * (1024 * 1024)))
    assert ok.status_code == 200 and ok.get_json()["stored"] == 1


def test_unsupported_methods_are_405_with_allow(client, world):
    for method in ("TRACE", "PUT", "DELETE"):
        res = client.open("/api/conversations", method=method)
        assert res.status_code == 405 and error_of(res)["code"] == "method_not_allowed"
        assert set(res.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_openapi_documents_every_status_typed_queries_and_response_schemas(client):
    doc = client.get("/api/openapi.json").get_json()
    ops = {(m.upper(), p): op for p, item in doc["paths"].items() for m, op in item.items()}
    merge = ops[("POST", "/api/customers/{customer_id}/merge")]
    assert {"400", "401", "403", "404", "409", "413"} <= set(merge["responses"])
    assert merge["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    listing = ops[("GET", "/api/conversations")]

    def typed(schema: dict) -> dict:
        """An optional parameter is its typed schema or the empty string (`?x=` means not given)."""
        if "anyOf" in schema and schema["anyOf"][1:] and schema["anyOf"][-1].get("maxLength") == 0:
            return {**schema["anyOf"][0], **({"default": schema["default"]} if "default" in schema else {})}
        return schema

    params = {p["name"]: typed(p["schema"]) for p in listing["parameters"]}
    assert params["limit"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert params["team"]["type"] == "integer" and params["assignee"]["pattern"]
    for (_method, path), op in ops.items():
        for p in op["parameters"]:
            schema = typed(p["schema"])
            assert schema.get("type") != "string" or {"enum", "maxLength", "pattern", "format"} & set(
                schema
            ), (path, p)
            if p["in"] == "path":
                assert schema == {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    conv_list = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "conversations" in conv_list["properties"]
    hook = ops[("POST", "/api/channels/{channel_id}/webhook")]
    assert {"400", "401", "404", "413"} <= set(hook["responses"]) and "security" not in hook
