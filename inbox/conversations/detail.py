"""One conversation as an agent opens it: its newest page of messages, and the older pages.

Read as plain Core rows, not ORM objects (issue 22): the conversation with its customer's three
listed fields and its channel's kind, name and settings come in one statement, the newest rule
runs in another, the page of messages as `inbox.conversations.thread` reads it, and the asking
agent from this process's copy (`inbox.admin.principals`). Before, the agent with their teams,
the conversation, the customer, the channel and the rule runs each went through the session's
identity map: more CPU than the index reads that find them, on a conversation of 200 messages
as on one of 10,000. The JSON is the one `serialize.conversation_dict` gives.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from inbox.admin.principals import Principal
from inbox.attachments.records import attachments_of
from inbox.channels.capabilities import reply_blocked
from inbox.channels.windows import reply_window
from inbox.conversations.listing import ROW_COLUMNS, asking, labels_of
from inbox.conversations.ranking import effective
from inbox.conversations.serialize import conversation_row_dict, iso
from inbox.conversations.thread import PAGE, message_page
from inbox.store.access import check_visible
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount, Conversation, Customer, RuleRun
from inbox.store.sql import Record

RULE_RUNS = 50  # the newest rule firings shown with a conversation

# A page's statements run through `Inbox.glance`: on PostgreSQL `read` was a READ COMMITTED
# transaction, where each statement already saw a snapshot of its own, so running them without
# BEGIN and ROLLBACK changes nothing a statement sees and saves two round trips a page.

_CHANNEL = (
    ChannelAccount.kind.label("channel_kind"),
    ChannelAccount.name.label("channel_name"),
    ChannelAccount.settings.label("channel_settings"),
)
_RUNS = (RuleRun.rule_id, RuleRun.rule_name, RuleRun.trigger, RuleRun.matched, RuleRun.actions, RuleRun.at)

# Built once: a statement object reused with new parameters skips building the select, its cache
# key and the adaptation of a cached compilation's result columns to a new object's, which
# together cost more CPU than reading the rows (issue 22, `web.bench.reqpath`).
_ROW = (
    select(*ROW_COLUMNS, *_CHANNEL)
    .select_from(Conversation.__table__)
    .join(Customer, Customer.id == Conversation.customer_id)
    .outerjoin(ChannelAccount, ChannelAccount.id == Conversation.channel_account_id)
    .where(Conversation.id == bindparam("conversation_id"))
)
_RUNS_OF = (
    select(*_RUNS)
    .where(RuleRun.conversation_id == bindparam("conversation_id"))
    .order_by(RuleRun.id.desc())
    .limit(RULE_RUNS)
)
_OWNERS = select(Conversation.id, Conversation.team_id, Conversation.assignee_id).where(
    Conversation.id == bindparam("conversation_id")
)


def _row(s: Session, agent: Principal, conversation_id: int) -> Any:
    """The conversation's row (its columns, the customer's listed fields, the channel's), visible
    to `agent`."""
    row = s.connection().execute(_ROW, {"conversation_id": conversation_id}).first()
    if row is None:
        raise NotFound(N_("conversation %(conversation_id)s not found"), conversation_id=conversation_id)
    check_visible(agent, row)
    return row


def _channel(row: Any) -> Record | None:
    """What `reply_blocked` and `reply_window` read of the channel, or None without one."""
    if row.channel_kind is None:
        return None
    return Record({"kind": row.channel_kind, "name": row.channel_name, "settings": row.channel_settings})


def get_conversation(
    inbox: Inbox, agent_id: int, conversation_id: int, limit: int = PAGE, checked: Principal | None = None
) -> dict[str, Any]:
    """The conversation, its newest page of messages with delivery state (`more_before` for the
    older ones), and why rules fired on it lately. `checked`: as in `listing.asking`."""
    with inbox.glance() as s:  # statements as under READ COMMITTED (see RULE_RUNS)
        row = _row(s, asking(s, agent_id, checked), conversation_id)
        now = inbox.clock()
        out = conversation_row_dict(row, labels_of(s, [row.id]).get(row.id, []), effective(row, now))
        out["messages"], out["more_before"] = message_page(s, row.id, None, limit)
        channel = _channel(row)
        out["reply_blocked"] = reply_blocked(channel)  # type: ignore[arg-type]
        out["reply_window"] = reply_window(channel, row, now)  # type: ignore[arg-type]
        runs = s.connection().execute(_RUNS_OF, {"conversation_id": row.id})
        out["rule_runs"] = [
            {
                "rule_id": r.rule_id,
                "rule_name": r.rule_name,
                "trigger": r.trigger,
                "matched": r.matched,
                "actions": r.actions,
                "at": iso(r.at),
            }
            for r in reversed(list(runs))
        ]
        return out


def older_messages(
    inbox: Inbox,
    agent_id: int,
    conversation_id: int,
    before: int,
    limit: int = PAGE,
    checked: Principal | None = None,
) -> dict[str, Any]:
    """The page of messages just older than message `before` (a page's `more_before`)."""
    with inbox.glance() as s:  # statements as under READ COMMITTED (see RULE_RUNS)
        agent = asking(s, agent_id, checked)
        conv = s.connection().execute(_OWNERS, {"conversation_id": conversation_id}).first()
        if conv is None:
            raise NotFound(N_("conversation %(conversation_id)s not found"), conversation_id=conversation_id)
        check_visible(agent, conv)
        messages, more = message_page(s, conv.id, before, limit)
        return {"conversation_id": conv.id, "messages": messages, "more_before": more}


def warm(s: Session) -> None:
    """Run a conversation page's statements once for no conversation (see
    `inbox.conversations.warm`): compiled and cached before the first agent opens one."""
    conn = s.connection()
    for stmt in (_ROW, _RUNS_OF, _OWNERS):
        conn.execute(stmt, {"conversation_id": 0}).all()
    labels_of(s, [0])
    message_page(s, 0, None, PAGE)
    attachments_of(s, [0])
