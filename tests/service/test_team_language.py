"""A team's default language (#20): an admin sets it on the teams page, and a customer whose own
language Murmur (or the canned reply) has no text in is written to in it: canned replies sent by rules,
survey invitations and the survey page."""

from __future__ import annotations

from sqlalchemy import select, update

from inbox.insights.surveys_service import send_surveys
from inbox.store.models import AuditLog, CannedResponse, Conversation, Direction, Message
from tests.service.conftest import message

JAPANESE = "こんにちは、注文した商品がまだ届きません"
FRENCH = "Bonjour, ma commande n'est toujours pas arrivée après deux semaines, pouvez-vous m'aider ?"


def _set_language(client, admin, team_id: int, value):  # type: ignore[no-untyped-def]
    return client.patch(
        f"/api/admin/teams/{team_id}", json={"default_language": value}, headers=admin["auth"]
    )


def test_an_admin_sets_and_clears_the_default_language(client, world, inbox) -> None:  # type: ignore[no-untyped-def]
    admin = world.agent("admin")
    team_id = world.team_id()
    res = _set_language(client, admin, team_id, "th")
    assert res.status_code == 200 and res.get_json()["default_language"] == "th"
    listed = client.get("/api/admin/teams", headers=admin["auth"]).get_json()["teams"]
    assert [t["default_language"] for t in listed if t["id"] == team_id] == ["th"]
    # another change leaves it as it is; null clears it
    client.patch(
        f"/api/admin/teams/{team_id}", json={"routing_strategy": "least_loaded"}, headers=admin["auth"]
    )
    assert (
        client.get("/api/admin/teams", headers=admin["auth"]).get_json()["teams"][0]["default_language"]
        == "th"
    )
    assert _set_language(client, admin, team_id, None).get_json()["default_language"] is None
    bad = _set_language(client, admin, team_id, "fr")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "default_language"
    made = client.post(
        "/api/admin/teams", json={"name": "曼谷", "default_language": "zh-Hant"}, headers=admin["auth"]
    )
    assert made.status_code == 201 and made.get_json()["default_language"] == "zh-Hant"
    with inbox.read() as s:
        changes = list(s.scalars(select(AuditLog.details).where(AuditLog.action == "team.language")))
    assert changes == [{"from": None, "to": "th"}, {"from": "th", "to": None}]


def test_the_page_offers_the_languages_in_their_own_words(client, world) -> None:  # type: ignore[no-untyped-def]
    admin = world.agent("admin")
    from tests.service.test_i18n import _sign_in

    _sign_in(client, admin["email"])
    page = client.get("/admin/teams", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert "ภาษาเริ่มต้น" in page and 'value="zh-Hant">繁體中文' in page


def test_a_canned_reply_without_the_customers_language_uses_the_teams(
    client, world, post_webhook, inbox
) -> None:  # type: ignore[no-untyped-def]
    admin = world.agent("admin")
    _set_language(client, admin, world.team_id(), "th")
    with inbox.unit_of_work() as uow:
        uow.session.add(
            CannedResponse(
                shortcut="ack", text="Thanks, we are on it.", variants={"th": "ขอบคุณค่ะ เรากำลังดำเนินการให้"}
            )
        )
    with inbox.read() as s:
        canned_id = s.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == "ack"))
    rule = {
        "name": "acknowledge",
        "trigger": "message.created",
        "conditions": [{"field": "message.public", "op": "equals", "value": True}],
        "actions": [{"type": "send_canned", "canned_id": canned_id}],
    }
    assert client.post("/api/rules", json=rule, headers=admin["auth"]).status_code == 201
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("ja-1", JAPANESE, author="a"))
    post_webhook(channel_id, secret, message("en-1", "My order has not arrived", author="b"))
    with inbox.read() as s:
        out = {
            language: (text, used)
            for language, text, used in s.execute(
                select(Conversation.language, Message.text, Message.language)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.direction == Direction.OUT.value)
            )
        }
    # Japanese, which the reply has no text in: the team's Thai; English: the main text, as before
    assert out == {"ja": ("ขอบคุณค่ะ เรากำลังดำเนินการให้", "th"), "en": ("Thanks, we are on it.", None)}


def test_a_survey_for_a_language_without_translation_goes_out_in_the_teams(
    client, world, post_webhook, inbox
) -> None:  # type: ignore[no-untyped-def]
    inbox.settings["survey_base_url"] = "https://help.example.com"
    admin = world.agent("admin")
    _set_language(client, admin, world.team_id(), "zh-Hant")
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("s-fr", FRENCH))
    with inbox.unit_of_work() as uow:  # whatever detection said: a language Murmur has no texts in
        uow.session.execute(update(Conversation).values(language="fr"))
    conv = client.get("/api/conversations", headers=admin["auth"]).get_json()["conversations"][0]
    client.patch(
        f"/api/conversations/{conv['id']}",
        json={"status": "resolved", "assignee_id": admin["id"]},
        headers=admin["auth"],
    )
    assert send_surveys(inbox) == 2
    with inbox.read() as s:
        text, used = s.execute(
            select(Message.text, Message.language).where(Message.direction == Direction.OUT.value)
        ).one()
    assert used == "zh-Hant" and text.startswith("感謝您與我們聯繫")
    token = text.split("/survey/")[1].split()[0]
    page = client.get(f"/survey/{token}", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW"' in page
