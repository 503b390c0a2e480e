"""A rule may only name a team, agent or canned reply it can still act on (inbox.automation.rule_references)."""

from __future__ import annotations

RULE = {"name": "Route refunds", "trigger": "message.created", "conditions": [], "actions": []}


def _rule(*actions: dict) -> dict:
    return {**RULE, "actions": list(actions)}


def _errors(res) -> dict[str, str]:
    assert res.status_code == 400, res.get_json()
    return {e["path"]: e["message"] for e in res.get_json()["error"]["errors"]}


def test_missing_team_agent_and_canned_are_refused_at_once(client, world):
    sup = world.agent("supervisor")
    res = client.post(
        "/api/rules",
        json=_rule(
            {"type": "add_label", "label": "refund"},
            {"type": "assign_team", "team_id": 9999},
            {"type": "assign_agent", "agent_id": 9998},
            {"type": "send_canned", "canned_id": 9997},
        ),
        headers=sup["auth"],
    )
    errors = _errors(res)
    assert set(errors) == {"actions[1].team_id", "actions[2].agent_id", "actions[3].canned_id"}
    assert "9999" in errors["actions[1].team_id"] and "does not exist" in errors["actions[1].team_id"]
    assert res.get_json()["error"]["field"] == "actions[1].team_id"
    rules = client.get("/api/rules", headers=sup["auth"]).get_json()["rules"]
    assert all(r["name"] != "Route refunds" for r in rules)


def test_archived_team_and_deactivated_agent_are_refused(client, world):
    admin = world.agent("admin", teams=())
    leaving = world.agent()
    tid = client.post("/api/admin/teams", json={"name": "Old billing"}, headers=admin["auth"]).get_json()[
        "id"
    ]
    assert (
        client.patch(f"/api/admin/teams/{tid}", json={"archived": True}, headers=admin["auth"]).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/admin/agents/{leaving['id']}", json={"active": False}, headers=admin["auth"]
        ).status_code
        == 200
    )
    errors = _errors(
        client.post(
            "/api/rules",
            json=_rule(
                {"type": "assign_team", "team_id": tid}, {"type": "assign_agent", "agent_id": leaving["id"]}
            ),
            headers=admin["auth"],
        )
    )
    assert "archived" in errors["actions[0].team_id"]
    assert "deactivated" in errors["actions[1].agent_id"]


def test_live_references_save_and_a_rule_whose_team_was_archived_since_can_be_switched_off(client, world):
    admin = world.agent("admin", teams=())
    agent = world.agent()
    canned = client.post(
        "/api/canned-responses", json={"shortcut": "refund", "text": "We are on it."}, headers=admin["auth"]
    ).get_json()
    tid = client.post("/api/admin/teams", json={"name": "Billing"}, headers=admin["auth"]).get_json()["id"]
    res = client.post(
        "/api/rules",
        json=_rule(
            {"type": "assign_team", "team_id": tid},
            {"type": "assign_agent", "agent_id": agent["id"]},
            {"type": "send_canned", "canned_id": canned["id"]},
        ),
        headers=admin["auth"],
    )
    assert res.status_code == 201, res.get_json()
    rule_id = res.get_json()["id"]
    client.patch(f"/api/admin/teams/{tid}", json={"archived": True}, headers=admin["auth"])
    # the rule already named the team: it may still be edited and switched off
    res = client.patch(
        f"/api/rules/{rule_id}", json={"enabled": False, "name": "Old route"}, headers=admin["auth"]
    )
    assert res.status_code == 200, res.get_json()
    # but a change may not newly point at the archived team
    other = client.post("/api/admin/teams", json={"name": "Billing 2"}, headers=admin["auth"]).get_json()[
        "id"
    ]
    moved = _rule({"type": "assign_team", "team_id": other})["actions"]
    assert (
        client.patch(f"/api/rules/{rule_id}", json={"actions": moved}, headers=admin["auth"]).status_code
        == 200
    )
    back = _rule({"type": "assign_team", "team_id": tid})["actions"]
    errors = _errors(client.patch(f"/api/rules/{rule_id}", json={"actions": back}, headers=admin["auth"]))
    assert "archived" in errors["actions[0].team_id"]
