"""Customer-service windows: how long after a customer's last message a network lets us answer.

WhatsApp takes free-form replies for 24 hours after the customer last wrote; after that only an
approved message template (listed from the account, with its variables filled in). WeChat's
customer-service API answers for 48 hours, and has nothing to send after. The conversation says
where its window stands (`reply_window`), the composer shows it, and `check_reply` refuses what
the network would refuse, before anything waits in the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors import registry
from connectors.errors import ConnectorError
from inbox.store.errors import N_, InboxError, Invalid
from inbox.store.models import ChannelAccount, Conversation

# kind -> (hours, whether templates may be sent outside the window)
WINDOWS: dict[str, tuple[int, bool]] = {"whatsapp": (24, True), "wechat": (48, False)}

CLOSED = {
    "whatsapp": "More than 24 hours have passed since the customer's last WhatsApp message, so "
    "WhatsApp accepts only an approved message template until they write again.",
    "wechat": "More than 48 hours have passed since the customer's last WeChat message, so the "
    "customer-service API cannot reach them until they write again. Private notes still work.",
}


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def reply_window(ch: ChannelAccount | None, conv: Conversation, now: datetime) -> dict[str, Any] | None:
    """{kind, hours, open, closes_at, templates, reason} for a channel with a window, else None."""
    if ch is None or ch.kind not in WINDOWS:
        return None
    hours, templates = WINDOWS[ch.kind]
    last = conv.last_customer_message_at
    closes = _utc(last) + timedelta(hours=hours) if last is not None else None
    is_open = closes is not None and _utc(now) < closes
    return {
        "kind": ch.kind,
        "hours": hours,
        "open": is_open,
        "closes_at": closes.isoformat() if closes else None,
        "templates": templates,
        "reason": None if is_open else CLOSED[ch.kind],
    }


def check_reply(
    ch: ChannelAccount | None, conv: Conversation, now: datetime, template: dict[str, Any] | None
) -> None:
    """Invalid (a 400) when the network would refuse this reply now: free text outside the window,
    or a template where none may be sent."""
    window = reply_window(ch, conv, now)
    if template is not None:
        if window is None or not window["templates"]:
            raise Invalid(N_("only WhatsApp conversations take message templates"), "template")
        return
    if window is not None and not window["open"]:
        raise Invalid(window["reason"], "text")


def templates_for(ch: ChannelAccount, connector: Any) -> list[dict[str, Any]]:
    """The approved templates of a channel that sends them (the network is asked each time)."""
    cls = registry.get(ch.kind)
    if not hasattr(cls, "templates"):
        raise Invalid(N_("%(kind)s channels have no message templates"), "channel", kind=ch.kind)
    return list(connector.templates())


def conversation_templates(inbox: Any, agent_id: int, conversation_id: int) -> dict[str, Any]:
    """The templates an agent may send in this conversation (WhatsApp), with the window's state."""
    from inbox.admin.agents import load_agent
    from inbox.channels.accounts import connector_for
    from inbox.store.access import check_visible
    from inbox.store.errors import NotFound

    with inbox.read() as s:
        agent = load_agent(s, agent_id)
        conv = s.get(Conversation, conversation_id)
        if agent is None or conv is None:
            raise NotFound(N_("conversation %(conversation_id)s not found"), conversation_id=conversation_id)
        check_visible(agent, conv)
        ch = s.get(ChannelAccount, conv.channel_account_id) if conv.channel_account_id else None
        window = reply_window(ch, conv, inbox.clock())
        if ch is None or window is None or not window["templates"]:
            raise Invalid(N_("only WhatsApp conversations take message templates"), "conversation_id")
        connector = connector_for(inbox, ch)
    try:
        listed = templates_for(ch, connector)
    except ConnectorError as exc:  # the network said no or could not be reached: say so, not a 500
        raise NetworkUnavailable(N_("WhatsApp did not list the templates: %(exc)s"), exc=exc) from None
    return {"window": window, "templates": listed}


class NetworkUnavailable(InboxError):
    """The network could not answer a question asked on an agent's behalf (a 502)."""

    status = 502
    code = "network_error"
