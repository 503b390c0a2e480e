"""Telegram Bot API: getUpdates with `offset`, or webhook mode with the secret-token header.

An update is confirmed (and dropped by Telegram) once we call with
`offset > update_id`, so the cursor is `last_update_id + 1` and is saved only after
the batch is stored: a crash re-delivers, never loses. The bot token sits in the URL
path; `connectors.http` masks it in every error message.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import BaseConnector, Option, lower_headers, parse_each
from connectors.errors import ConnectorError, PayloadError, PermanentError, SignatureError
from connectors.http import Transport
from connectors.jsonbody import loads
from connectors.media import TooLarge, download, telegram_attachments
from connectors.registry import register
from connectors.types import Attachment, Author, Batch, InboundMessage, OutboundReply

SECRET_HEADER = "x-telegram-bot-api-secret-token"
CAPTION_MAX = 1024  # characters a photo or document caption may have
KINDS = ("message", "edited_message", "business_message", "channel_post")


def parse_update(update: dict[str, Any]) -> InboundMessage | None:
    """A message-bearing update to a message; edits get their own id; others to None."""
    kind = next((k for k in KINDS if k in update), None)
    if kind is None:
        return None
    msg = update[kind]
    chat, sender = msg.get("chat") or {}, msg.get("from") or msg.get("sender_chat") or msg.get("chat") or {}
    handle = sender.get("username") or str(sender.get("id", ""))
    name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p) or sender.get(
        "title", ""
    )
    edited = f":edit:{msg.get('edit_date')}" if kind == "edited_message" else ""
    reply_to = (msg.get("reply_to_message") or {}).get("message_id")
    return InboundMessage(
        channel="telegram",
        external_id=f"{chat.get('id')}:{msg['message_id']}{edited}",
        thread_key=str(chat.get("id"))
        + (f":{msg['message_thread_id']}" if msg.get("message_thread_id") else ""),
        author=Author(
            external_id=str(sender.get("id", "")),
            handle=handle,
            display_name=name,
            profile_url=f"https://t.me/{sender['username']}" if sender.get("username") else "",
        ),
        text=msg.get("text") or msg.get("caption") or "",
        attachments=telegram_attachments(msg),
        created_at=datetime.fromtimestamp(int(msg.get("edit_date") or msg.get("date") or 0), UTC),
        language_hint=sender.get("language_code"),
        public=chat.get("type") != "private",
        in_reply_to=f"{chat.get('id')}:{reply_to}" if reply_to else None,
    )


class TelegramConnector(BaseConnector):
    """A bot: polled with getUpdates, or pushed to Murmur's webhook URL."""

    kind = "telegram"
    sends_attachments = True
    pulled = True
    pushed = True
    options = (
        Option("base_url", default="https://api.telegram.org"),
        Option("page_size", default=100),
        Option("timeout", default=10.0),
        Option("bot_token", secret=True, required=True),
        Option("webhook_secret", secret=True, help="the secret_token given to setWebhook"),
    )

    @property
    def api(self) -> Transport:
        return self.transport(
            "telegram", base=f"{self.settings['base_url'].rstrip('/')}/bot{self.secret('bot_token')}"
        )

    def _result(self, method: str, body: dict[str, Any] | None = None) -> Any:
        data = self.api.call("POST", f"/{method}", json_body=body or {}).data or {}
        if not data.get("ok"):
            raise PermanentError(f"telegram {method}: {data.get('description', 'not ok')}")
        return data.get("result")

    def poll(self, cursor: str | None) -> Batch:
        """Updates from `offset`; the next cursor confirms them once it is saved."""
        body: dict[str, Any] = {
            "limit": int(self.settings["page_size"]),
            "timeout": 0,
            "allowed_updates": list(KINDS),
        }
        if cursor:
            body["offset"] = int(cursor)
        updates = self._result("getUpdates", body) or []
        if not updates:
            return Batch((), cursor, has_more=False)
        messages, rejected = parse_each(updates, parse_update, lambda u: str(u.get("update_id")))
        nxt = str(max(int(u["update_id"]) for u in updates) + 1)
        more = len(updates) >= int(self.settings["page_size"])
        return Batch(tuple(messages), nxt, has_more=more, rejected=tuple(rejected))

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        """One Update per POST, authenticated by the secret token setWebhook was given."""
        expected = self._secrets.get("webhook_secret")
        got = lower_headers(headers).get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(got.encode(), str(expected).encode()):
            raise SignatureError("missing or wrong X-Telegram-Bot-Api-Secret-Token")
        update = loads(raw_body)  # nesting-limited: a PayloadError, never a RecursionError
        if not isinstance(update, dict) or "update_id" not in update:
            raise PayloadError("update_id", "required")
        try:
            msg = parse_update(update)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PayloadError("message", f"unreadable update ({type(exc).__name__}: {exc})") from None
        return [msg] if msg else []

    def send_reply(self, reply: OutboundReply) -> str:
        """sendMessage to the chat, quoting the message answered (reply_parameters), and the
        files after it; each delivered part is reported at once and skipped on a retry."""
        chat = reply.thread_key.split(":")[0]
        body: dict[str, Any] = {
            "chat_id": int(chat) if chat.lstrip("-").isdigit() else chat,
            "text": reply.text,
        }
        if ":" in reply.thread_key:
            body["message_thread_id"] = int(reply.thread_key.split(":")[1])
        if reply.in_reply_to:
            body["reply_parameters"] = {
                "message_id": int(reply.in_reply_to.split(":")[1]),
                "allow_sending_without_reply": True,
            }
        parts = self._parts(reply)
        done = list(reply.parts_sent)
        for i, (f, caption) in enumerate(parts):
            if i < len(done):
                continue  # delivered by an earlier attempt: never sent twice
            sent = self._result("sendMessage", body) if f is None else self._send_file(body, f, caption)
            part_id = f"{sent['chat']['id']}:{sent['message_id']}"
            done.append(part_id)
            if reply.on_part is not None:
                reply.on_part(part_id)
        return done[0]

    @staticmethod
    def _parts(reply: OutboundReply) -> list[tuple[Attachment | None, str]]:
        """The calls a reply takes, in a fixed order (a retry counts on it): the text alone
        (None) or as the first file's caption when it fits, then one call per further file."""
        files = list(reply.attachments)
        if files and len(reply.text) <= CAPTION_MAX:  # the text rides as the first file's caption
            return [(files[0], reply.text)] + [(f, "") for f in files[1:]]
        return [(None, reply.text)] + [(f, "") for f in files]

    def _send_file(self, message: dict[str, Any], f: Attachment, caption: str = "") -> Any:
        """sendPhoto for JPEG/PNG images (Telegram recompresses them), sendDocument for the rest,
        uploaded as multipart/form-data in the same chat and thread; returns the sent Message."""
        photo = f.content_type in ("image/jpeg", "image/png")
        method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
        form = {
            k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in message.items() if k != "text"
        }
        if caption:
            form["caption"] = caption
        upload = {field: (f.name or field, f.data or b"", f.content_type or "application/octet-stream")}
        data = self.api.call("POST", f"/{method}", data=form, files=upload).data or {}
        if not data.get("ok"):
            raise PermanentError(f"telegram {method}: {data.get('description', 'not ok')}")
        return data.get("result")

    def fetch_media(self, item: Attachment, max_bytes: int) -> tuple[bytes, str]:
        """getFile turns the permanent file_id into a download path valid for an hour; the
        file is then read from /file/bot<token>/<path> (the Bot API serves up to 20 MB)."""
        if not item.ref:
            return super().fetch_media(item, max_bytes)
        info = self._result("getFile", {"file_id": item.ref}) or {}
        if info.get("file_size") and int(info["file_size"]) > max_bytes:
            raise TooLarge(f"{info['file_size']} bytes is over the limit of {max_bytes}")
        if not info.get("file_path"):
            raise PermanentError("telegram getFile: no file_path (the file is too big for bots)")
        base = self.settings["base_url"].rstrip("/")
        url = f"{base}/file/bot{self.secret('bot_token')}/{info['file_path']}"
        try:
            return download(self.http, url, max_bytes, float(self.settings["timeout"]) * 3)
        except ConnectorError as exc:  # never show the token that sits in the path
            raise type(exc)(str(exc).replace(self.secret("bot_token"), "***")) from None

    def test(self) -> str:
        """getMe proves the token."""
        me = self._result("getMe")
        return f"bot @{me.get('username')} ({me.get('first_name')})"


register(TelegramConnector)
