"""The bulk SQL helpers write and find exactly what SQLAlchemy Core would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from inbox.store.context import Inbox
from inbox.store.db import dumps_json
from inbox.store.models import ChannelAccount, Conversation, Customer, Identity, RuleRun
from inbox.store.sql import (
    dialect_of,
    in_list,
    in_pairs,
    insert_rows,
    insert_with_ids,
    list_param,
    pair_params,
    update_rows,
)

NOW = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _customer(key: str) -> dict[str, Any]:
    return {
        "first_identity_key": key,
        "name": f"N {key}",
        "email": None,
        "created_at": NOW,
        "last_seen_at": NOW,
        "lifecycle_stage": "awareness",
        "attributes": {"k": [1, "ü"]},
    }


def test_insert_with_ids_matches_core(inbox: Inbox) -> None:
    table = Customer.__table__
    with inbox.unit_of_work() as uow:
        s = uow.session
        core_ids = [s.execute(insert(table).returning(table.c.id), [_customer("core")]).scalar_one()]
        fast_ids = insert_with_ids(s, table, [_customer("a"), _customer("b"), _customer("c")])
        more = insert_with_ids(s, table, [_customer("d")])
    assert fast_ids == sorted(fast_ids) and len(set(fast_ids + more + core_ids)) == 5
    with inbox.read() as s:
        rows = {r.first_identity_key: r for r in s.execute(select(table))}
    assert [rows[k].id for k in "abc"] == fast_ids and rows["d"].id == more[0]
    core = {k: v for k, v in rows["core"]._mapping.items() if k not in ("id", "first_identity_key", "name")}
    for key in "abcd":
        fast = {k: v for k, v in rows[key]._mapping.items() if k not in ("id", "first_identity_key", "name")}
        assert fast == core  # defaults (vip, clv, ...), JSON and aware datetimes read back alike
    assert rows["a"].created_at == NOW and rows["a"].attributes == {"k": [1, "ü"]}


def test_update_rows_and_insert_rows(inbox: Inbox) -> None:
    with inbox.unit_of_work() as uow:
        s = uow.session
        account = ChannelAccount(kind="webhook", name="t", settings={}, secrets_encrypted="")
        s.add(account)
        s.flush()
        (cust,) = insert_with_ids(s, Customer.__table__, [_customer("x")])
        conv = Conversation(
            customer_id=cust,
            channel_account_id=account.id,
            channel="webhook",
            thread_key="t1",
            subject="s",
            public=True,
            status="open",
            last_message_at=NOW,
            created_at=NOW,
            updated_at=NOW,
            priority_components=[],
        )
        s.add(conv)
        s.flush()
        update_rows(
            s,
            Conversation.__table__,
            [
                {
                    "_id": conv.id,
                    "status": "snoozed",
                    "priority_components": [{"name": "a", "value": 0.5}],
                    "snoozed_until": NOW + timedelta(hours=1),
                    "assignee_id": None,
                }
            ],
        )
        insert_rows(
            s,
            RuleRun.__table__,
            [
                {
                    "conversation_id": conv.id,
                    "rule_id": None,
                    "rule_name": "r",
                    "trigger": "message.created",
                    "matched": [],
                    "actions": [],
                    "at": NOW,
                }
            ],
        )
        insert_rows(s, RuleRun.__table__, [])
        conv_id = conv.id
    with inbox.read() as s:
        got = s.get(Conversation, conv_id)
        assert got.status == "snoozed" and got.snoozed_until == NOW + timedelta(hours=1)
        assert got.priority_components == [{"name": "a", "value": 0.5}]
        (run,) = s.scalars(select(RuleRun).where(RuleRun.conversation_id == conv_id))
        assert run.rule_name == "r" and run.at == NOW and run.matched == []


def test_in_list_and_in_pairs_find_exactly_the_listed_values(inbox: Inbox) -> None:
    with inbox.unit_of_work() as uow:
        ids = insert_with_ids(uow.session, Customer.__table__, [_customer(str(i)) for i in range(30)])
        idents = [
            {
                "customer_id": ids[i],
                "channel": ("x", "mastodon")[i % 2],
                "external_id": f"e{i}",
                "handle": f"h{i}",
                "created_at": NOW,
            }
            for i in range(30)
        ]
        insert_rows(uow.session, Identity.__table__, idents)
    with inbox.read() as s:
        d = dialect_of(s)
        by_id = select(Customer.id).where(in_list(d, Customer.id, "ids"))
        assert set(s.scalars(by_id, {"ids": list_param(d, ids[3:20:2] + [10**9])})) == set(ids[3:20:2])
        assert list(s.scalars(by_id, {"ids": list_param(d, [])})) == []
        by_key = select(Customer.first_identity_key).where(in_list(d, Customer.first_identity_key, "keys"))
        assert set(s.scalars(by_key, {"keys": list_param(d, ["4", "7", "nope", "it's"])})) == {"4", "7"}
        pairs = [("x", "e0"), ("mastodon", "e1"), ("x", "e1"), ("mastodon", "e29"), ("x", "missing")]
        by_pairs = select(Identity.channel, Identity.external_id).where(
            in_pairs(d, (Identity.channel, Identity.external_id), "keys")
        )
        found = set(s.execute(by_pairs, pair_params(d, "keys", pairs)))
        assert found == {("x", "e0"), ("mastodon", "e1"), ("mastodon", "e29")}
        assert list(s.execute(by_pairs, pair_params(d, "keys", []))) == []
        # one statement, built once, executed with lists of different lengths
        by_ids = select(Customer.id).where(in_list(d, Customer.id, "ids"))
        assert set(s.scalars(by_ids, {"ids": list_param(d, ids[:3])})) == set(ids[:3])
        assert set(s.scalars(by_ids, {"ids": list_param(d, ids[5:25] + [-1])})) == set(ids[5:25])


def test_a_broken_row_raises_sqlalchemys_integrity_error(inbox: Inbox) -> None:
    with pytest.raises(IntegrityError), inbox.unit_of_work() as uow:
        ids = insert_with_ids(uow.session, Customer.__table__, [_customer("dup")])
        insert_rows(uow.session, Customer.__table__, [{**_customer("again"), "id": ids[0]}])
    with inbox.read() as s:  # the whole unit of work rolled back
        assert list(s.scalars(select(Customer.id).where(Customer.first_identity_key == "dup"))) == []


_json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | st.text()
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers(-99, 99), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_json_values)
def test_dumps_json_writes_what_orjson_writes_with_non_string_keys(value: Any) -> None:
    assert dumps_json(value) == orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def test_dumps_json_stringifies_int_keys_and_refuses_what_json_cannot_hold() -> None:
    assert dumps_json({1: "a", "b": [2]}) == '{"1":"a","b":[2]}'
    with pytest.raises(TypeError):
        dumps_json({"x": object()})
