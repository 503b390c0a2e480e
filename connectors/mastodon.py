"""Mastodon: mention notifications (DMs included) polled loss-free with `min_id`.

Why `min_id` and not `since_id`: `since_id` returns the *newest* page above the mark,
so a burst larger than `limit` leaves a silent gap; `min_id` returns the page
immediately after the mark, newest first (reference §1). Direct messages arrive as
mention notifications with `visibility == "direct"` and share the same cursor;
`/api/v1/conversations` shows only each conversation's last status, so polling it
would lose DMs that arrive in bursts.

Backfill on connect: the first poll walks back with `max_id` (without storing) until it
meets a mention older than `backfill_days`, then polls forward from there with `min_id`
like every later poll, so the history arrives oldest first, page by page, each message
once, under the same rate-limit rules. The walk's position lives in the cursor
(`{"seek": max_id, "horizon": t}`), so a 429 in the middle resumes where it stopped.
"""

from __future__ import annotations

from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, MiB, Option, ReplyFiles, parse_each
from connectors.cursor import parse_iso
from connectors.errors import TransientError
from connectors.http import Transport
from connectors.media import mastodon_attachments
from connectors.registry import register
from connectors.text import html_to_text
from connectors.types import Attachment, Author, Batch, InboundMessage, OutboundReply

# Mastodon 4.x defaults (MediaAttachment's IMAGE/VIDEO/AUDIO_MIME_TYPES and size limits)
REPLY_FILES = ReplyFiles(
    limits=(
        *((f"image/{t}", 16 * MiB) for t in ("jpeg", "png", "gif", "webp", "heic", "heif", "avif")),
        *((f"video/{t}", 99 * MiB) for t in ("mp4", "webm", "quicktime", "ogg")),
        *(
            (f"audio/{t}", 99 * MiB)
            for t in ("mpeg", "mp3", "ogg", "wav", "wave", "flac", "aac", "mp4", "webm")
        ),
    ),
    max_files=4,
    carries="images, video and audio (no documents)",
)
MEDIA_POLLS = 5  # GET /api/v1/media/:id while a large file is still being processed (202)

PAGE = 80  # the server's maximum since Mastodon 4.1


def _author(acc: dict[str, Any]) -> Author:
    return Author(
        external_id=str(acc["id"]),
        handle=str(acc.get("acct") or acc.get("username") or acc["id"]),
        display_name=acc.get("display_name") or "",
        profile_url=acc.get("url") or "",
        followers=int(acc.get("followers_count") or 0),
    )


def parse_notification(n: dict[str, Any]) -> InboundMessage | None:
    """A mention notification to a message; other types (and unknown future ones) to None."""
    status = n.get("status")
    if n.get("type") != "mention" or not isinstance(status, dict):
        return None
    author = _author(status.get("account") or n["account"])
    private = status.get("visibility") in ("direct", "private")
    reply_to = status.get("in_reply_to_id")
    return InboundMessage(
        channel="mastodon",
        external_id=str(status["id"]),
        thread_key=f"dm:{author.external_id}" if private else str(reply_to or status["id"]),
        author=author,
        text=html_to_text(status.get("content")),
        created_at=parse_iso(status.get("created_at") or n.get("created_at")),
        html=status.get("content"),
        language_hint=status.get("language"),
        public=not private,
        in_reply_to=str(reply_to) if reply_to else None,
        url=status.get("url") or status.get("uri"),
        attachments=mastodon_attachments(status),
    )


class MastodonConnector(BaseConnector):
    """Mentions and DMs of one account on one instance; replies as statuses."""

    kind = "mastodon"
    sends_attachments = True
    reply_files = REPLY_FILES
    pulled = True
    idempotent_replies = True  # POST /api/v1/statuses honours Idempotency-Key for an hour
    options = (
        Option("base_url", required=True, help="the instance, e.g. https://mastodon.social"),
        Option("access_token", secret=True, required=True, help="scopes read:notifications write:statuses"),
        Option("page_size", default=PAGE),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    @property
    def api(self) -> Transport:
        return self.transport("mastodon", {"Authorization": f"Bearer {self.secret('access_token')}"})

    def poll(self, cursor: str | None) -> Batch:
        """One page: of the backfill walk (first polls), or after the high-water mark (a plain id)."""
        if not cursor or cursor.startswith("{"):
            return self._seek(cur.load(cursor))
        params: list[tuple[str, Any]] = [
            ("types[]", "mention"),
            ("limit", int(self.settings["page_size"])),
            ("min_id", cursor),
        ]
        res = self.api.call("GET", "/api/v1/notifications", params=params)
        items = res.data or []
        if not items:
            return Batch((), cursor, res.rate_limit, has_more=False)
        # oldest first, so a reply is stored after what it answers
        messages, rejected = parse_each(reversed(items), parse_notification, lambda n: str(n.get("id")))
        newest = str(items[0]["id"])  # ids are opaque: the order is the server's
        more = len(items) >= int(self.settings["page_size"])
        return Batch(tuple(messages), newest, res.rate_limit, has_more=more, rejected=tuple(rejected))

    def _seek(self, state: dict[str, Any]) -> Batch:
        """Walk back newest first until a mention older than the horizon; store nothing yet.

        The next cursor is then the id just below the horizon (or "0" when the account's whole
        history is younger), and the forward polls bring the messages in oldest first."""
        horizon = float(state.get("horizon") or self.backfill_horizon())
        page = int(self.settings["page_size"])
        params: list[tuple[str, Any]] = [("types[]", "mention"), ("limit", page)]
        if state.get("seek"):
            params.append(("max_id", state["seek"]))
        res = self.api.call("GET", "/api/v1/notifications", params=params)
        items = res.data or []
        for n in items:
            if (
                parse_iso(n.get("created_at") or (n.get("status") or {}).get("created_at")).timestamp()
                < horizon
            ):
                return Batch((), str(n["id"]), res.rate_limit, has_more=True)
        if len(items) < page:  # the start of the account's history is within the horizon
            return Batch((), "0", res.rate_limit, has_more=True)
        nxt = cur.dump({"seek": str(items[-1]["id"]), "horizon": horizon})
        return Batch((), nxt, res.rate_limit, has_more=True)

    def send_reply(self, reply: OutboundReply) -> str:
        """A status replying to `in_reply_to`, visibility matching the original (direct for DMs)."""
        text = reply.text
        acct = reply.recipient.handle if reply.recipient else None
        if acct and f"@{acct}" not in text:
            text = f"@{acct} {text}"  # direct statuses reach only mentioned accounts
        visibility = reply.metadata.get("visibility") or ("public" if reply.public else "direct")
        body: dict[str, Any] = {"status": text, "visibility": visibility}
        if reply.in_reply_to:
            body["in_reply_to_id"] = reply.in_reply_to
        if reply.attachments:
            body["media_ids"] = [self._upload(f) for f in reply.attachments]
        headers = (
            {"Idempotency-Key": reply.metadata["outbox_id"]} if reply.metadata.get("outbox_id") else None
        )
        res = self.api.call("POST", "/api/v1/statuses", json_body=body, headers=headers)
        return str(res.data["id"])

    def _upload(self, f: Attachment) -> str:
        """POST /api/v2/media (multipart `file`); a 202 means the file is still being processed
        and a status naming it would be refused, so it is polled until its `url` is set."""
        upload = {"file": (f.name or "file", f.data or b"", f.content_type or "application/octet-stream")}
        res = self.api.call("POST", "/api/v2/media", data={"description": f.name}, files=upload)
        media = res.data
        for _ in range(MEDIA_POLLS):
            if res.status != 202 and media.get("url"):
                return str(media["id"])
            res = self.api.call("GET", f"/api/v1/media/{media['id']}", ok_statuses=(206,))
            media = res.data or media
        if media.get("url"):
            return str(media["id"])
        raise TransientError(f"mastodon media {media.get('id')} is still being processed")

    def test(self) -> str:
        """verify_credentials: proves the token and names the account."""
        me = self.api.call("GET", "/api/v1/accounts/verify_credentials").data
        return f"signed in as @{me.get('acct')} ({me.get('followers_count', 0)} followers)"


register(MastodonConnector)
