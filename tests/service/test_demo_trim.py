"""The looping demo stays bounded: each pass of the feed is its own set of conversations, and the
trim job keeps only the newest passes (with what a survey answer points to)."""

from __future__ import annotations

from sqlalchemy import func, select

from connectors.demo import load_lines, round_of
from inbox.channels import demo_trim
from inbox.channels.accounts import create_channel
from inbox.channels.polling import poll
from inbox.store.models import Conversation, Message, SurveyResponse


def _counts(inbox, channel_id):
    with inbox.read() as s:
        convs = s.execute(
            select(Conversation.id, Conversation.thread_key).where(
                Conversation.channel_account_id == channel_id
            )
        ).all()
        messages = s.scalar(
            select(func.count()).select_from(Message).where(Message.channel_account_id == channel_id)
        )
    return convs, messages


def test_the_looping_demo_keeps_only_its_newest_passes(inbox):
    n = len(load_lines())
    channel, _ = create_channel(inbox, None, "demo", "Demo feed", {"batch_size": n, "loop": True}, {})
    cid = channel["id"]
    assert poll(inbox, cid, force=True).stored == n
    one_pass, _ = _counts(inbox, cid)
    assert demo_trim.trim(inbox) == 0  # nothing old yet
    with inbox.unit_of_work() as uow:  # a survey was answered on a conversation of the first pass
        first = uow.session.get(Conversation, one_pass[0].id)
        uow.session.add(
            SurveyResponse(conversation_id=first.id, customer_id=first.customer_id, kind="csat", token="t1")
        )
    for _ in range(3):
        assert poll(inbox, cid, force=True).stored == n  # every pass is new: nothing deduped away
    convs, _ = _counts(inbox, cid)
    assert len(convs) == 4 * len(one_pass)  # no pass reuses an earlier pass's threads

    # the cursor is at the start of pass 4: keeping 2 passes keeps pass 3 (and what a survey holds)
    removed = demo_trim.trim(inbox, keep=2)
    convs, messages = _counts(inbox, cid)
    assert sorted({round_of(key) for _, key in convs}) == [0, 3]
    assert [c for c, key in convs if round_of(key) == 0] == [first.id]
    assert removed == 3 * len(one_pass) - 1 and len(convs) == len(one_pass) + 1
    assert messages <= n + 5

    for _ in range(2):  # running on, it stays within the same bound
        poll(inbox, cid, force=True)
    demo_trim.trim(inbox, keep=2)
    convs, messages = _counts(inbox, cid)
    assert sorted({round_of(key) for _, key in convs}) == [0, 5]
    assert len(convs) == len(one_pass) + 1 and messages <= n + 5
