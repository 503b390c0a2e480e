"""Search for one-, two- and three-character terms in Chinese, Thai and English, mixed scripts
and hostile characters: the results are exactly the conversations (and customers) whose text
contains every term, newest first, page by page through `more_before`; and the indexes answer
short Chinese and Thai terms on both databases."""

from __future__ import annotations

import json
import re

import pytest

from inbox.search import service as search_service
from inbox.search.grams import gram_key, gram_text, grams, latin_grams
from tests.conftest import SERVICES
from tests.service.conftest import message, selects_run_by

TEXTS = [
    "我要退款，订单还没到",
    "请退货，尺码不对",
    "iPhone退款问题一直没解决",
    "商品很好，谢谢",
    "ขอบคุณมากครับ",
    "สินค้าดีมาก",
    "ok thanks, refund received",
    "Where is my REFUND?",
    '100% refund_please "now" it\'s *urgent*',
    "ดี",
    "好",
]


@pytest.fixture
def agent(world):
    return world.agent()


@pytest.fixture
def corpus(agent, world, post_webhook):
    """One conversation per text (each its own author), in the order of TEXTS: later is newer."""
    channel_id, secret = world.webhook_channel("Support")
    for i, t in enumerate(TEXTS):
        body = message(f"s{i}", t, author=f"a{i}", created_at=f"2026-03-01T12:{i:02d}:00+00:00")
        assert post_webhook(channel_id, secret, body).status_code == 200
    return channel_id, secret


def _search(client, agent, q, **params):
    res = client.get("/api/search", query_string={"q": q, **params}, headers=agent["auth"])
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _expected(q: str) -> list[str]:
    """What every term occurring (ASCII case folded, as LIKE and ILIKE both do) selects, newest first."""
    terms = q.split()
    fold = lambda s: re.sub("[A-Z]", lambda m: m.group(0).lower(), s)  # noqa: E731
    return [t for t in reversed(TEXTS) if all(fold(term) in fold(t) for term in terms)]


QUERIES = [
    # Chinese: one, two, three characters; absent ones
    "退",
    "退款",
    "退款问",
    "款",
    "货",
    "好",
    "谢谢",
    "退货",
    "没",
    "嗯",
    "退了",
    # Thai: one, two, longer
    "ด",
    "ดี",
    "ขอ",
    "ขอบคุณ",
    "มาก",
    "ครับ",
    "คุ",
    # English: one, two, three characters, case
    "r",
    "ok",
    "ref",
    "refund",
    "REFUND",
    "is",
    "x",
    # mixed scripts: in one term and across terms
    "e退",
    "iPhone退款",
    "iPhone 退款",
    "退款 ok",
    "refund 谢谢",
    "e 退",
    # special characters are plain characters
    "%",
    "_",
    "100%",
    "refund_",
    "d_p",
    '"now"',
    "*",
    "it's",
    "'退",
    '"退',
    "退*",
    "退%",
]


@pytest.mark.parametrize("q", QUERIES)
def test_results_are_exactly_the_texts_containing_every_term(client, agent, corpus, q):
    found = _search(client, agent, q, limit=50)["conversations"]
    texts = [TEXTS[int(c["conversation"]["subject"] and _index_of(c))] for c in found]
    assert texts == _expected(q), q


def _index_of(hit) -> int:
    return int(re.sub(r"\D", "", hit["conversation"]["customer_name"]))


def test_pages_of_conversations_walk_back_once_each(client, agent, world, post_webhook):
    channel_id, secret = world.webhook_channel("Support")
    # five conversations mention 退款; conversation a0 also mentions it again later (newest overall)
    for i in range(5):
        body = message(
            f"p{i}",
            f"第{i}次申请退款",
            author=f"a{i}",
            created_at=f"2026-03-01T12:0{i}:00+00:00",
            thread=f"t{i}",
        )
        post_webhook(channel_id, secret, body)
    post_webhook(
        channel_id,
        secret,
        message("p9", "退款到底什么时候到", author="a0", created_at="2026-03-01T12:09:00+00:00", thread="t0"),
    )
    seen, pages, before = [], [], None
    while True:
        params = {"limit": 2} if before is None else {"limit": 2, "before": before}
        page = _search(client, agent, "退款", **params)
        pages.append(len(page["conversations"]))
        seen += [_index_of(c) for c in page["conversations"]]
        assert "customers" in page
        before = page["more_before"]
        if before is None:
            break
    assert pages == [2, 2, 1]
    assert seen == [0, 4, 3, 2, 1]  # newest match first; a0 once, at its newest match
    res = client.get("/api/search", query_string={"q": "退款", "before": "999999"}, headers=agent["auth"])
    assert res.status_code == 404 and res.get_json()["error"]["field"] == "before"


def test_customers_by_short_chinese_and_thai_names(client, agent, world, post_webhook):
    channel_id, secret = world.webhook_channel("Support")
    for ext, name, handle in (
        ("n1", "王伟", "wangwei"),
        ("n2", "李娜", "lina_88"),
        ("n3", "สมชาย", "somchai"),
    ):
        body = message(ext, "hello", author=ext)
        body["author"].update({"name": name, "handle": handle})
        post_webhook(channel_id, secret, body)

    def names(q):
        return sorted(c["name"] for c in _search(client, agent, q)["customers"])

    assert names("王伟") == ["王伟"]
    assert names("伟") == ["王伟"]
    assert names("娜") == ["李娜"]
    assert names("สม") == ["สมชาย"]
    assert names("ช") == ["สมชาย"]
    assert names("王娜") == []
    assert names("lina") == ["李娜"]  # by the identity's handle
    assert names("王 wangwei") == ["王伟"]  # one term on the record, one on the identity


def test_grams_cover_every_occurrence():
    # every one- or two-character slice of a run is found by its lookup key (Latin ones too)
    for text in (
        "我要退款，订单还没到",
        "ขอบคุณมากครับ",
        "a退b",
        "한국어",
        "かな漢字",
        "Order #12345, OK?",
        "x",
    ):
        keys = set(gram_text(text).split())
        for n in (1, 2):
            for i in range(len(text) - n + 1):
                key = gram_key(text[i : i + n])
                if key is not None:
                    assert any(k == key.key or (key.prefix and k.startswith(key.key)) for k in keys), text[
                        i : i + n
                    ]
    assert gram_key("退款了") is None and gram_key("%") is None and gram_key("é") is None
    assert gram_key("OK").key == "ok" and gram_key("OK").latin and not gram_key("OK").prefix
    assert gram_key("#1").key == "1" and gram_key("#1").prefix  # the letter or digit it holds


@pytest.mark.parametrize("backend", ["postgresql"] if SERVICES else [])  # the SQL function is PostgreSQL's
def test_postgres_grams_function_agrees_with_python(inbox, backend):
    samples = ["我要退款，订单还没到 refund", "ขอบคุณมากครับ", "한국어 かな", "ກະລຸນາ ၁၂ ខ្មែរ", "plain", "𠀀𠀁x"]
    with inbox.engine.connect() as conn:
        for s in samples:
            pg = conn.exec_driver_sql("SELECT tsvector_to_array(murmur_grams(%s))", (s,)).scalar()
            assert sorted(pg) == sorted(grams(s)), s


@pytest.mark.parametrize("backend", ["postgresql"] if SERVICES else [])
def test_postgres_latin_grams_function_agrees_with_python(inbox, backend):
    samples = ["Where is my REFUND? #12345", "ok", "退款 iPhone15", "Ünïcode straße", "", "a-b_c"]
    with inbox.engine.connect() as conn:
        for s in samples:
            pg = conn.exec_driver_sql("SELECT tsvector_to_array(murmur_latin_grams(%s))", (s,)).scalar()
            assert sorted(pg) == sorted(latin_grams(s)), s


@pytest.mark.parametrize("backend", ["postgresql"] if SERVICES else [])
def test_postgres_gram_functions_key_long_runs_like_python(inbox, backend):
    """A 20,000-character run (a pasted token, a long Chinese paragraph) is keyed like Python does,
    within a statement timeout: keying by `substr(run, i, 2)` for every i cost the square of the
    run's length and held a message INSERT for many minutes."""
    latin = "".join(chr(97 + (i * 7 + i // 26) % 26) for i in range(20_000)) + "Z9"
    cjk = "".join(chr(0x4E00 + (i * 31) % 500) for i in range(20_000))
    with inbox.engine.connect() as conn:
        conn.exec_driver_sql("SET statement_timeout = '20s'")
        pg_latin = conn.exec_driver_sql("SELECT tsvector_to_array(murmur_latin_grams(%s))", (latin,)).scalar()
        pg_cjk = conn.exec_driver_sql("SELECT tsvector_to_array(murmur_grams(%s))", (cjk,)).scalar()
    assert sorted(pg_latin) == sorted(latin_grams(latin))
    assert sorted(pg_cjk) == sorted(grams(cjk))


def _plans(inbox, run):
    out = []
    with inbox.engine.connect() as conn:
        if inbox.dialect == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in selects_run_by(inbox, run):
            if inbox.dialect == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                out.append((statement, " | ".join(r[-1] for r in rows)))
            else:
                (raw,) = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).one()
                out.append((statement, json.dumps(raw)))
    return out


@pytest.mark.parametrize(
    "q", ["退款", "退", "ขอ", "ด", "refund", "王伟", "伟", "ok", "x", "zq", "7", "ok 退"]
)
def test_short_terms_are_looked_up_in_an_index(client, agent, corpus, inbox, q):
    """No plan reads every message, customer or identity. On PostgreSQL sequential scans are
    priced out (these tables are tiny): a Seq Scan left in the plan means no index can answer."""
    scans = []
    for statement, plan in _plans(inbox, lambda: search_service.search(inbox, agent["id"], q)):
        if inbox.dialect == "sqlite":
            if re.search(r"SCAN (messages|customers|identities)\b(?!_)", plan):
                scans.append((statement[:160], plan))
        elif re.search(
            r'"Node Type": "Seq Scan", [^}]*"Relation Name": "(messages|customers|identities)"', plan
        ):
            scans.append((statement[:160], plan[:400]))
    assert scans == []
