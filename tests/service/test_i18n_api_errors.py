"""The REST API's error messages in the reader's language (#20): the same bad request gives the same
`code` and `field` whatever the language, and a `message` in the agent's profile language, else the
browser's; values (ids, names) are filled in after translation."""

from __future__ import annotations

from inbox.admin import preferences


def test_the_same_bad_request_keeps_its_code_and_is_told_in_thai_and_traditional_chinese(
    client, world
) -> None:  # type: ignore[no-untyped-def]
    admin = world.agent("admin")  # the factory made the team "Support"
    said = {}
    for tag in ("th-TH", "zh-TW", "en"):
        res = client.post(
            "/api/admin/teams", json={"name": "Support"}, headers={**admin["auth"], "Accept-Language": tag}
        )
        assert res.status_code == 409
        said[tag] = res.get_json()["error"]
    assert {e["code"] for e in said.values()} == {"conflict"}
    assert {e["field"] for e in said.values()} == {"name"}
    assert said["en"]["message"] == "a team named 'Support' exists"
    assert said["th-TH"]["message"] == "มีทีมชื่อ 'Support' อยู่แล้ว"
    assert said["zh-TW"]["message"] == "已有名為 'Support' 的團隊"


def test_a_body_that_fails_its_schema_is_told_as_a_sentence(client, world) -> None:  # type: ignore[no-untyped-def]
    admin = world.agent("admin")
    res = client.post("/api/admin/teams", json={}, headers={**admin["auth"], "Accept-Language": "th"})
    assert res.status_code == 400
    assert res.get_json()["error"] == {"code": "invalid", "message": "ต้องระบุ name", "field": "name"}
    res = client.post(
        "/api/admin/teams", json={"name": "x" * 500}, headers={**admin["auth"], "Accept-Language": "zh-TW"}
    )
    error = res.get_json()["error"]
    assert (
        error["field"] == "name"
        and error["message"].startswith("name 最多 ")
        and "個字元" in error["message"]
    )


def test_values_are_filled_in_after_translation(client, world) -> None:  # type: ignore[no-untyped-def]
    agent = world.agent()
    res = client.get("/api/conversations/987654", headers={**agent["auth"], "Accept-Language": "zh-CN"})
    assert res.status_code == 404
    error = res.get_json()["error"]
    assert error["code"] == "not_found" and error["message"] == "找不到会话 987654"


def test_the_profile_language_wins_over_the_browsers(client, world, inbox) -> None:  # type: ignore[no-untyped-def]
    agent = world.agent()
    preferences.save(inbox, agent["id"], locale="th_TH", timezone="Asia/Bangkok")
    res = client.get("/api/conversations/987654", headers={**agent["auth"], "Accept-Language": "zh-TW"})
    assert res.get_json()["error"] == {"code": "not_found", "message": "ไม่พบบทสนทนา 987654", "field": None}


def test_web_layer_errors_are_translated_too(client) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/api/conversations", headers={"Accept-Language": "th"})
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "unauthorized"
    assert res.get_json()["error"]["message"] == "โปรดเข้าสู่ระบบ หรือส่ง Authorization: Bearer <token>"
