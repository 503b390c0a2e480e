"""Mails in their reader's language (#20), read back from a real SMTP server (aiosmtpd): the weekly
digest in the manager's language, time zone and calendar, an invitation in the invitee's team's
language, a listening alert with its period in the reader's words; all composed by `inbox.mail`."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest
from sqlalchemy import update

from inbox.admin import preferences
from inbox.insights.digest import service as digests
from inbox.mail.send import Smtp, compose
from inbox.mail.words import Reader, alert_text, period_text, translations
from inbox.store.models import Team
from tests.service.conftest import World
from tests.service.test_digest import MONDAY, _app, _seed_week, _subscribe
from tests.standins.mail import SmtpSink


def _read(sink: SmtpSink) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.content, policy=policy.default) for m in sink.messages]


def test_a_mail_is_utf8_with_its_language_and_headers() -> None:
    msg = compose(
        "help@shop.example",
        ["a@example.com", "b@example.com"],
        "สรุปประจำสัปดาห์",
        "สวัสดีค่ะ",
        language="th-TH",
        now=datetime(2026, 12, 7, 9, tzinfo=UTC),
    )
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0].lower()  # the Thai subject is an encoded word
    back = email.message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == "สรุปประจำสัปดาห์" and back["To"] == "a@example.com, b@example.com"
    assert (
        back["Content-Language"] == "th-TH" and back["Date"] and back["Message-ID"].endswith("@shop.example>")
    )
    assert back.get_content_charset() == "utf-8" and back.get_content() == "สวัสดีค่ะ\n"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_digest_is_in_each_managers_language_time_zone_and_calendar(
    database_url, clock, tmp_path, backend
):
    clock.now_value = MONDAY
    with SmtpSink() as sink:
        app = _app(database_url, clock, tmp_path, sink.port)
        inbox = app.extensions["murmur.inbox"]
        try:
            world = World(inbox, app)
            thai, taiwan = world.agent("supervisor"), world.agent("admin")
            preferences.save(inbox, thai["id"], locale="th_TH", timezone="Asia/Bangkok")
            preferences.save(inbox, taiwan["id"], locale="zh_Hant_TW", timezone="Asia/Taipei")
            _seed_week(app, inbox)
            for who in (thai, taiwan):
                _subscribe(inbox, who["id"], ["volume"])
            assert digests.send_weekly_digests(inbox) == 2
        finally:
            inbox.engine.dispose()
    mails = {m["To"]: m for m in _read(sink)}
    th, tw = mails[thai["email"]], mails[taiwan["email"]]
    assert th["Subject"] == "สรุปประจำสัปดาห์จาก Murmur สัปดาห์ของ 23 พฤศจิกายน พ.ศ. 2569"
    assert th["Content-Language"] == "th-TH"
    th_text = th.get_body(("plain",)).get_content()
    assert "ตั้งแต่ 23 พฤศจิกายน พ.ศ. 2569 ถึง 29 พฤศจิกายน พ.ศ. 2569 (Asia/Bangkok)" in th_text
    assert "สัปดาห์นี้มีข้อความเข้ามา 5 ข้อความ" in th_text
    assert '<html lang="th-TH">' in th.get_body(("html",)).get_content()
    assert tw["Subject"] == "Murmur 每週摘要：2026年11月23日 當週" and tw["Content-Language"] == "zh-Hant-TW"
    tw_text = tw.get_body(("plain",)).get_content()
    assert (
        "2026年11月23日 至 2026年11月29日（Asia/Taipei）。" in tw_text and "本週共收到 5 則訊息。" in tw_text
    )


def test_the_digest_week_is_the_managers_week() -> None:
    local = digests.period_of(MONDAY.date(), "Asia/Bangkok")
    assert local.start == datetime(2026, 11, 29, 17, tzinfo=UTC) and local.end == datetime(
        2026, 12, 6, 17, tzinfo=UTC
    )
    assert digests.period_of(MONDAY.date()).start == datetime(2026, 11, 30, tzinfo=UTC)
    assert digests.period_of(MONDAY.date(), "Not/AZone").start == datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_invitation_is_in_the_invitees_team_language(database_url, clock, tmp_path, backend):
    from tests.service.test_admin_plans_mail import _app_with_smtp

    with SmtpSink() as sink:
        app = _app_with_smtp(database_url, clock, tmp_path, sink.port)
        inbox = app.extensions["murmur.inbox"]
        try:
            world = World(inbox, app)
            admin = world.agent("admin")
            with inbox.unit_of_work() as uow:
                uow.session.execute(update(Team).values(default_language="th"))
            client = app.test_client()
            res = client.post(
                "/api/admin/agents/invite",
                json={"email": "somchai@example.com", "name": "สมชาย", "team_ids": [world.team_id()]},
                headers={**admin["auth"], "Accept-Language": "en"},
            )
            assert res.status_code == 201 and res.get_json()["mailed"] is True
            # without a team language: the inviting admin's (a zh-TW browser)
            res = client.post(
                "/api/admin/agents/invite",
                json={"email": "mei@example.com", "name": "美玲"},
                headers={**admin["auth"], "Accept-Language": "zh-TW"},
            )
            assert res.status_code == 201
            url = res.get_json()["invite_url"]
        finally:
            inbox.engine.dispose()
    th, tw = _read(sink)
    assert th["To"] == "somchai@example.com" and th["Subject"] == "คุณได้รับเชิญให้เข้าร่วม Murmur"
    assert th["Content-Language"] == "th-TH"
    assert th.get_content().startswith(
        f"สวัสดีคุณ สมชาย\n\n{admin_name(admin)} เชิญคุณเข้าร่วมกล่องข้อความ Murmur ของทีม"
    )
    assert tw["Subject"] == "邀請你加入 Murmur" and tw["Content-Language"] == "zh-Hant-TW"
    assert "請在這裡設定你的密碼" in tw.get_content() and url in tw.get_content()


def admin_name(admin: dict) -> str:
    return "Admin " + admin["email"].removeprefix("admin").split("@")[0]


def test_an_alert_sentence_says_its_period_in_the_readers_words(app) -> None:  # type: ignore[no-untyped-def]
    from inbox.insights import alert_sentence

    inbox = app.extensions["murmur.inbox"]
    said = alert_sentence.sentence("volume", "Acme", 15, 300, 0.5)
    assert alert_text(translations(inbox, "en"), said) == said["sentence"]
    th = alert_text(translations(inbox, "th_TH"), said)
    assert th == "การพูดถึงใน Acme สูงกว่าปกติ 30 เท่า (15 ครั้งใน 5 นาที ปกติประมาณ 0.5 ครั้ง)"
    demo = alert_sentence.for_alert("negative:demo", "demo", 4, 3600, 1.0)
    assert "演示渠道" in alert_text(translations(inbox, "zh_Hans_CN"), demo)
    assert period_text(translations(inbox, "zh_Hant_TW"), 7200) == "2 小時"
    assert period_text(translations(inbox, "en"), 60) == "1 minute"
    assert period_text(translations(inbox, "en"), 86400 * 3) == "3 days"
    assert Reader("th_TH").tag == "th-TH"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_listening_alert_mail_goes_out_in_each_readers_language(app, inbox, world, backend) -> None:  # type: ignore[no-untyped-def]
    from inbox.insights import alert_sentence
    from inbox.listening.alert_mail import mail_alerts

    thai, english = world.agent("supervisor"), world.agent("admin")
    preferences.save(inbox, thai["id"], locale="th_TH")
    said = alert_sentence.sentence("negative", "Acme", 15, 300, 0.5)
    with SmtpSink() as sink:
        inbox.settings["smtp"] = Smtp("127.0.0.1", sink.port, "alerts@murmur.example")
        try:
            assert mail_alerts(inbox, [{"stream": "Acme", "team_id": None, **said}]) == 2
        finally:
            inbox.settings.pop("smtp")
    mails = {m["To"]: m for m in _read(sink)}
    th = mails[thai["email"]]
    assert th["Subject"] == "การแจ้งเตือนจาก Murmur: Acme" and "15 ครั้งใน 5 นาที" in th.get_content()
    assert mails[english["email"]]["Subject"] == "Murmur alert: Acme"
    assert "(15 in 5 minutes, usually 0.5)" in mails[english["email"]].get_content()
