"""Interface languages over HTTP: who gets which language, the profile that keeps it, the browser's
catalogue, translated errors, and dates in the reader's language, time zone and calendar (#20)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from inbox.admin import preferences
from tests.service.conftest import PASSWORD
from web.i18n import negotiate
from web.i18n.formatting import format_date_local, format_datetime_local, format_relative


def _csrf(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(client, email: str, **headers: str) -> None:  # type: ignore[no-untyped-def]
    csrf = _csrf(client)
    res = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf}, headers=headers
    )
    assert res.status_code == 302


def test_accept_language_picks_the_locale_before_sign_in() -> None:
    assert negotiate(["th"]) == "th_TH"
    assert negotiate(["zh-TW", "en"]) == "zh_Hant_TW"
    assert negotiate(["zh-HK"]) == "zh_Hant_TW"
    assert negotiate(["zh-CN"]) == "zh_Hans_CN" and negotiate(["zh"]) == "zh_Hans_CN"
    assert negotiate(["fr-FR", "th-TH"]) == "th_TH"
    assert negotiate(["fr"]) is None


def test_the_sign_in_page_follows_the_browser(client) -> None:  # type: ignore[no-untyped-def]
    th = client.get("/login", headers={"Accept-Language": "th-TH,th;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="th-TH"' in th and "เข้าสู่ระบบ" in th and "Log in" not in th
    tw = client.get("/login", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW"' in tw and "登入" in tw
    en = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en"' in en and "Log in" in en


def test_a_wrong_password_is_told_in_the_browsers_language(client, world) -> None:  # type: ignore[no-untyped-def]
    agent = world.agent()
    csrf = _csrf(client)
    res = client.post(
        "/login",
        data={"email": agent["email"], "password": "wrong", "csrf_token": csrf},
        headers={"Accept-Language": "zh-CN"},
    )
    assert res.status_code == 401 and "该邮箱和密码与任何在用的客服账号都不匹配" in res.get_data(as_text=True)


def test_the_profile_choice_wins_and_persists_across_sign_in(client, world, inbox) -> None:  # type: ignore[no-untyped-def]
    agent = world.agent("supervisor")
    _sign_in(client, agent["email"], **{"Accept-Language": "th"})
    page = client.get("/", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert '<html lang="th-TH"' in page and "กล่องข้อความ" in page  # the nav says Inbox in Thai
    csrf = _csrf(client, "/profile")
    res = client.post(
        "/profile",
        data={"csrf_token": csrf, "locale": "zh_Hant_TW", "timezone": "Asia/Taipei", "calendar": ""},
        headers={"Accept-Language": "th"},
    )
    assert res.status_code == 302
    assert preferences.load(inbox, agent["id"]) == preferences.Preferences("zh_Hant_TW", "Asia/Taipei", None)
    client.post("/logout", data={"csrf_token": csrf})
    _sign_in(client, agent["email"], **{"Accept-Language": "th"})
    page = client.get("/rules", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW"' in page and 'data-timezone="Asia/Taipei"' in page
    assert "規則" in page and "收件匣" in page


def test_the_switcher_saves_to_the_profile_and_checks_its_input(client, world, inbox) -> None:  # type: ignore[no-untyped-def]
    agent = world.agent()
    _sign_in(client, agent["email"])
    csrf = _csrf(client, "/")
    res = client.post("/language", data={"csrf_token": csrf, "locale": "th_TH", "next": "/?conversation=3"})
    assert res.status_code == 302 and res.headers["Location"].endswith("/?conversation=3")
    assert preferences.load(inbox, agent["id"]).locale == "th_TH"
    assert client.post("/language", data={"csrf_token": csrf, "locale": "xx"}).status_code == 400
    assert client.post("/language", data={"locale": "en"}).status_code == 400  # no CSRF token
    off_site = client.post("/language", data={"csrf_token": csrf, "locale": "en", "next": "//evil.example/"})
    assert off_site.headers["Location"].endswith("/") and "evil" not in off_site.headers["Location"]


def test_a_bad_time_zone_is_a_clear_400_and_nothing_changes(client, world, inbox) -> None:  # type: ignore[no-untyped-def]
    agent = world.agent()
    _sign_in(client, agent["email"])
    csrf = _csrf(client, "/profile")
    res = client.post("/profile", data={"csrf_token": csrf, "locale": "th_TH", "timezone": "Mars/Olympus"})
    assert res.status_code == 400 and "Asia/Bangkok" in res.get_data(as_text=True)
    assert preferences.load(inbox, agent["id"]) == preferences.Preferences(None, None, None)


def test_the_browser_catalogue_is_hashed_and_cached_for_a_year(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login", headers={"Accept-Language": "th"}).get_data(as_text=True)
    src = re.search(r'<script src="(/i18n/th_TH\.[0-9a-f]{12}\.js)"></script>', page).group(1)
    assert page.index(src) < page.index("js/i18n.js")  # before t() is defined and any page script
    res = client.get(src)
    assert res.status_code == 200 and res.mimetype == "text/javascript"
    assert "max-age=31536000" in res.headers["Cache-Control"] and "immutable" in res.headers["Cache-Control"]
    body = res.get_data(as_text=True)
    assert body.startswith("window.MURMUR_I18N = ") and '"Assign to me": "มอบหมายให้ฉัน"' in body
    assert client.get("/i18n/th_TH.000000000000.js").status_code == 404
    en = client.get("/login").get_data(as_text=True)
    assert "/i18n/" not in en  # English needs no catalogue: the msgids are the text


def test_error_pages_speak_the_readers_language(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world.agent()["email"])
    res = client.get("/no-such-page", headers={"Accept-Language": "zh-TW"})
    assert res.status_code == 404 and "這裡沒有內容" in res.get_data(as_text=True)
    res = client.get("/admin/channels", headers={"Accept-Language": "th"})  # an agent: 403, in Thai
    assert res.status_code == 403 and "หน้านี้ไม่ได้เปิดให้บทบาทของคุณ" in res.get_data(as_text=True)


def test_dates_numbers_and_the_buddhist_era(app) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 12, 7)
    with app.test_request_context("/", headers={"Accept-Language": "th"}):
        assert format_date_local(day, "long", "th_TH", buddhist=True) == "7 ธันวาคม พ.ศ. 2569"
        assert "2569" in format_date_local(day, "medium")  # Thai defaults to the Buddhist Era
        assert format_date_local(day, "long", "th_TH", buddhist=False) == "7 ธันวาคม ค.ศ. 2026"
        assert format_date_local(day, "long", "zh_Hant_TW") == "2026年12月7日"
        assert format_date_local(day, "long", "en") == "December 7, 2026"
        moment = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
        assert "01:30" in format_datetime_local(moment, "medium", "th_TH")  # no profile: UTC
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        then = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
        assert format_relative(then, now=datetime(2026, 12, 7, 1, 3, tzinfo=UTC)) == "3分钟前"


def test_missing_translations_are_marked_under_murmur_debug(database_url, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flask import render_template_string

    from web.app import create_app
    from web.config import Config

    for debug in (True, False):
        app = create_app(
            Config(
                database_url=database_url,
                secret_key="k",
                testing=True,
                scheduler=False,
                instance_path=str(tmp_path),
                debug=debug,
            ),
            clock=clock,
        )
        with app.test_request_context("/", headers={"Accept-Language": "th"}):
            app.preprocess_request()
            html = render_template_string('{{ _("Resolve") }} {{ _("A string nobody translated yet") }}')
            page = render_template_string('{% extends "base.html" %}')
        marked = "⟦A string nobody translated yet⟧"
        assert (
            html.startswith("ปิดเรื่อง ")
            and (marked in html) is debug
            and ('data-i18n-debug="1"' in page) is debug
        )
        app.extensions["murmur.inbox"].engine.dispose()
