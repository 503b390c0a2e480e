"""Test data for the browser tests, made in the running server's SQLite database with the inbox services.

Agents and channels are created the way an admin's requests would create them; messages arrive the way a
customer's system sends them, as signed webhook posts, so they take the one path every message takes.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from connectors.webhook import sign
from inbox.admin.agents import create_agent
from inbox.channels.accounts import create_channel
from tests.e2e.conftest import PASSWORD


def agent(server: dict[str, Any], email: str, name: str, role: str = "agent") -> str:
    """An agent in the Support team (the team of the default webhook channel); answers their email."""
    create_agent(server["inbox"], email, PASSWORD, role, name, teams=["Support"])
    return email


def webhook_channel(server: dict[str, Any], name: str) -> dict[str, Any]:
    """Another webhook channel on the Support team: `{"id", "secret"}` to post to."""
    hook, generated = create_channel(server["inbox"], None, "webhook", name, {}, {}, team_id=1)
    return {"id": hook["id"], "secret": generated["webhook_secret"]}


def post(
    server: dict[str, Any],
    text: str,
    ext_id: str,
    author: str,
    name: str = "Casey",
    channel: dict[str, Any] | None = None,
    **author_extra: Any,
) -> None:
    """One signed message on `channel` (default: the conftest's channel) from `author`."""
    channel = channel or {"id": server["channel"], "secret": server["secret"]}
    payload = {
        "id": ext_id,
        "text": text,
        "public": False,
        "author": {"id": author, "handle": f"cust_{author}", "name": name, **author_extra},
    }
    body = json.dumps(payload).encode()
    res = httpx.post(
        f"{server['base']}/api/channels/{channel['id']}/webhook",
        content=body,
        headers=sign(channel["secret"], body, int(time.time())),
    )
    assert res.status_code == 200, res.text
