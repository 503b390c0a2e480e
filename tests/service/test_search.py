"""Full-text search through HTTP: English, Chinese and Thai; access; hostile query syntax."""

from __future__ import annotations

import pytest

from tests.service.conftest import message


def _search(client, agent, q, **params):
    res = client.get("/api/search", query_string={"q": q, **params}, headers=agent["auth"])
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _matched(snippet):
    return [seg["text"] for seg in snippet if seg["match"]]


@pytest.fixture
def agent(world):
    return world.agent()  # before the channel: creating the first agent creates the team


@pytest.fixture
def corpus(agent, world, post_webhook):
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(
        channel_id, secret, message("en1", "My Refund still has not arrived, order #12345", author="alice")
    )
    post_webhook(channel_id, secret, message("en2", "Do you ship to Canada?", author="bob"))
    post_webhook(channel_id, secret, message("zh1", "我的退款还没有到账，太慢了", author="wang"))
    post_webhook(channel_id, secret, message("th1", "สินค้ายังไม่มาถึงเลยครับ ช่วยตรวจสอบด้วย", author="somchai"))
    return channel_id, secret


def test_english_case_insensitive_with_snippet(client, agent, corpus):
    body = _search(client, agent, "refund")
    assert [c["conversation"]["subject"][:9] for c in body["conversations"]] == ["My Refund"]
    hit = body["conversations"][0]
    assert _matched(hit["message"]["snippet"]) == ["Refund"]
    assert "".join(seg["text"] for seg in hit["message"]["snippet"]).startswith("My Refund still")
    assert hit["hits"] == 1
    # every term must occur; substrings count ("1234" inside "#12345")
    assert len(_search(client, agent, "refund 1234")["conversations"]) == 1
    assert _search(client, agent, "refund canada")["conversations"] == []


def test_chinese_long_and_two_character_words(client, agent, corpus):
    four = _search(client, agent, "没有到账")["conversations"]
    assert len(four) == 1 and _matched(four[0]["message"]["snippet"]) == ["没有到账"]
    # two characters are below the trigram length: matched by LIKE, still found
    two = _search(client, agent, "退款")["conversations"]
    assert len(two) == 1 and _matched(two[0]["message"]["snippet"]) == ["退款"]
    assert _search(client, agent, "退货")["conversations"] == []


def test_thai_without_spaces(client, agent, corpus):
    hits = _search(client, agent, "ไม่มาถึง")["conversations"]
    assert len(hits) == 1 and _matched(hits[0]["message"]["snippet"]) == ["ไม่มาถึง"]


def test_customers_by_name_handle_and_email(client, agent, world, post_webhook):
    channel_id, secret = world.webhook_channel("Support")
    body = message("c1", "hello", author="x1")
    body["author"].update({"handle": "tea_lover_88", "name": "Mei Lin", "email": "Mei.Lin@example.org"})
    post_webhook(channel_id, secret, body)
    for q in ("mei lin", "TEA_LOVER", "mei.lin@example", "lin"):
        found = _search(client, agent, q)["customers"]
        assert [c["name"] for c in found] == ["Mei Lin"], q
        assert found[0]["identities"][0]["handle"] == "tea_lover_88"
    # a term may match the record and another an identity; "_" is not a wildcard
    assert len(_search(client, agent, "mei lover")["customers"]) == 1
    assert _search(client, agent, "tea_lover_99")["customers"] == []


def test_agent_never_finds_another_teams_conversation(client, world, post_webhook):
    support_agent = world.agent(teams=("Support",))
    billing_agent = world.agent(teams=("Billing",))
    supervisor = world.agent("supervisor", teams=())
    support_channel, s1 = world.webhook_channel("Support")
    billing_channel, s2 = world.webhook_channel("Billing")
    post_webhook(support_channel, s1, message("s1", "invoice question from support side", author="p1"))
    post_webhook(billing_channel, s2, message("b1", "invoice is wrong, billing team please", author="p2"))
    mine = _search(client, support_agent, "invoice")
    assert [c["conversation"]["subject"][:7] for c in mine["conversations"]] == ["invoice"]
    assert mine["conversations"][0]["conversation"]["team_id"] == world.team_id("Support")
    assert [c["name"] for c in mine["customers"]] == []  # the names do not contain "invoice"
    assert {c["name"] for c in _search(client, support_agent, "User")["customers"]} == {"User p1"}
    assert {c["name"] for c in _search(client, billing_agent, "User")["customers"]} == {"User p2"}
    assert len(_search(client, supervisor, "invoice")["conversations"]) == 2


def test_notes_are_searchable_at_once(client, agent, corpus):
    conv_id = _search(client, agent, "Canada")["conversations"][0]["conversation"]["id"]
    res = client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "checked with the warehouse", "private": True},
        headers=agent["auth"],
    )
    assert res.status_code == 201
    hit = _search(client, agent, "warehouse")["conversations"]
    assert [h["conversation"]["id"] for h in hit] == [conv_id]
    assert hit[0]["message"]["direction"] == "note"


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        "refund*",
        "AND",
        "canada OR refund",
        "NEAR(refund order)",
        "text:refund",
        "^refund",
        "refund)",
        "(",
        "-refund",
        "{text}: x",
        "%",
        "_",
        "\\",
        "'; DROP TABLE messages; --",
        'a"b',
    ],
)
def test_query_syntax_is_taken_literally(client, agent, corpus, q):
    body = _search(client, agent, q)
    # none of these character sequences occurs in the corpus, so nothing may match
    # (a "%" or "_" taken as a wildcard, or an FTS5 operator, would match everything)
    assert body["conversations"] == [], body


def test_fts_operators_are_plain_words(client, agent, corpus):
    # as an operator NOT would exclude the message; as a word it is just one more term ("not")
    assert len(_search(client, agent, "refund NOT arrived")["conversations"]) == 1


def test_bad_input_is_a_400(client, world):
    agent = world.agent()
    for params, field in (
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a", "limit": "0"}, "limit"),
        ({"q": "a", "limit": "many"}, "limit"),
    ):
        res = client.get("/api/search", query_string=params, headers=agent["auth"])
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field
    assert client.get("/api/search?q=x").status_code == 401


def test_search_is_in_openapi(client):
    doc = client.get("/api/openapi.json").get_json()
    assert {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]} == {"q", "limit", "before"}
