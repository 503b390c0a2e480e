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


def test_the_rule_vocabulary_carries_labels_and_help_in_the_readers_language(client, world) -> None:  # type: ignore[no-untyped-def]
    sup = world.agent("supervisor")
    th = client.get("/api/rules/vocabulary", headers={**sup["auth"], "Accept-Language": "th"}).get_json()
    assert th["triggers"][0] == "message.created"  # the keys stay as they are
    assert th["trigger_texts"]["mention.created"]["label"] == "สตรีมการรับฟังพบโพสต์"
    vip = next(f for f in th["fields"] if f["name"] == "customer.vip")
    assert vip["help"] == "ลูกค้าถูกระบุเป็น VIP หรือไม่" and vip["doc"] == "The customer is flagged VIP."
    promote = next(a for a in th["actions"] if a["type"] == "promote")
    assert promote["label"] == "ส่งต่อเป็นบทสนทนา"
    tw = client.get("/api/rules/vocabulary", headers={**sup["auth"], "Accept-Language": "zh-TW"}).get_json()
    assert (
        next(a for a in tw["actions"] if a["type"] == "escalate")["help"]
        == "將對話標為已升級處理，並通知主管。"
    )


def test_reports_take_the_time_zone_of_the_agents_profile(client, world, inbox) -> None:  # type: ignore[no-untyped-def]
    sup = world.agent("supervisor")
    res = client.get("/api/reports?preset=yesterday", headers=sup["auth"])
    assert res.status_code == 200 and res.get_json()["period"]["tz"] == "UTC"  # nothing chosen: UTC
    preferences.save(inbox, sup["id"], timezone="Asia/Bangkok")
    got = client.get("/api/reports?preset=yesterday", headers=sup["auth"]).get_json()["period"]
    assert got["tz"] == "Asia/Bangkok"
    asked = client.get("/api/reports?preset=yesterday&tz=Asia/Taipei", headers=sup["auth"]).get_json()
    assert asked["period"]["tz"] == "Asia/Taipei"  # an explicit one still wins (API clients)
    csv = client.get("/api/reports?preset=yesterday&format=csv", headers=sup["auth"]).get_data(as_text=True)
    assert "Asia/Bangkok" in csv


def test_a_rules_problems_are_told_in_the_readers_language_with_their_paths(client, world) -> None:  # type: ignore[no-untyped-def]
    """The escalation leaf's validation messages (escalation/messages.py) and the inbox's reference
    check reach a Thai or Chinese supervisor translated, values filled in, paths and count unchanged."""
    sup = world.agent("supervisor")
    rule = {
        "name": "bad",
        "trigger": "message.created",
        "conditions": [{"field": "message.text", "op": "contains", "value": ["refund", ""]}],
        "actions": [{"type": "set_priority", "value": 300}, {"type": "assign_team", "team_id": 9999}],
    }
    said = {}
    for tag in ("en", "zh-TW", "th"):
        res = client.post("/api/rules", json=rule, headers={**sup["auth"], "Accept-Language": tag})
        assert res.status_code == 400
        said[tag] = res.get_json()["error"]
    paths = [[e["path"] for e in said[tag]["errors"]] for tag in said]
    assert paths[0] == paths[1] == paths[2] and "conditions[0].value" in paths[0]
    en = {e["path"]: e["message"] for e in said["en"]["errors"]}
    tw = {e["path"]: e["message"] for e in said["zh-TW"]["errors"]}
    th = {e["path"]: e["message"] for e in said["th"]["errors"]}
    assert en["conditions[0].value"] == "item 1 must be a non-empty string"
    assert tw["conditions[0].value"] == "第 1 項必須是非空白的文字"  # the nested problem translated too
    assert en["actions[0].value"] == "priority must be between 0 and 100"
    assert th["actions[0].value"] == "ความสำคัญต้องอยู่ระหว่าง 0 ถึง 100"
    assert said["zh-TW"]["message"].startswith("conditions[0].value: 第 1 項必須是非空白的文字")


def test_a_reference_problem_and_a_policys_calendar_are_translated(client, world) -> None:  # type: ignore[no-untyped-def]
    sup = world.agent("supervisor")
    rule = {
        "name": "to nowhere",
        "trigger": "message.created",
        "conditions": [],
        "actions": [{"type": "assign_team", "team_id": 9999}],
    }
    res = client.post("/api/rules", json=rule, headers={**sup["auth"], "Accept-Language": "zh-CN"})
    assert res.status_code == 400
    assert res.get_json()["error"]["errors"] == [
        {"path": "actions[0].team_id", "message": "团队 9999 不存在"}
    ]
    policy = {"name": "VIP", "first_response_minutes": 30, "calendar": {"timezone": "Mars/Olympus"}}
    res = client.post("/api/sla/policies", json=policy, headers={**sup["auth"], "Accept-Language": "th"})
    assert res.status_code == 400
    assert {"path": "calendar", "message": "ไม่รู้จักเขตเวลา 'Mars/Olympus'"} in res.get_json()["error"]["errors"]
