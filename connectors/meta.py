"""Facebook Pages, Messenger and Instagram through Graph API webhooks; replies through the Graph API.

Inbound is push only: Meta POSTs batched events signed with
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>`. The HMAC must
be computed over the exact bytes received (Meta escapes non-ASCII as \\uXXXX, so a
re-serialized body would not match). Subscription starts with a GET handshake:
`verify_subscription(params)` returns the challenge to echo, or raises.
Throttling comes back as Graph error codes 4/17/32/613 (and 80001+ for business
use cases), not always as HTTP 429; those become RateLimited. [reference: unverified
list; kept conservative]

Webhooks name a DM's sender by PSID (Messenger) or IGSID (Instagram) only, so the author's
name is fetched once from the User Profile API and cached. The documentation prints
deliveries as a JSON array as well as an object, and Instagram comments both inside
`changes[]` and as `field`/`value` directly on the entry: all of those are parsed, and a
body of any other shape is a PayloadError naming the part (a 400, never a 500).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import BaseConnector, MiB, Option, ReplyFiles
from connectors.errors import ConnectorError, PayloadError, PermanentError, RateLimited
from connectors.http import Transport
from connectors.jsonbody import loads
from connectors.media import meta_attachments
from connectors.meta_hub import check_hub_signature, hub_challenge
from connectors.registry import register
from connectors.types import Attachment, Author, InboundMessage, OutboundReply

# The Messenger Send API takes one uploaded file per message (multipart `filedata`), up to 25 MB
MESSENGER_FILES = ReplyFiles(limits=(("*", 25 * MiB),), max_files=10, carries="files")
ATTACHMENT_TYPES = ("image", "video", "audio")

THROTTLE_CODES = {4, 17, 32, 613}
PROFILE_TTL = 24 * 3600.0  # names change rarely; one lookup per person per day at most
PROFILE_CACHE_SIZE = 5000
# (page or IG account, PSID/IGSID) -> (looked up at, display name or "" when Meta would not say)
_profiles: dict[tuple[str, str], tuple[float, str]] = {}


def _when(value: Any) -> datetime:
    ts = float(value or 0)
    return datetime.fromtimestamp(ts / 1000 if ts > 1e11 else ts, UTC)  # messaging uses ms, feed uses s


def _messaging(obj: str, ev: dict[str, Any]) -> InboundMessage | None:
    msg = ev.get("message")
    if not isinstance(msg, dict) or msg.get("is_echo") or "mid" not in msg:
        return None  # echoes of our own sends, deliveries, reads, postbacks
    sender = str((ev.get("sender") or {}).get("id", ""))
    if not sender:
        raise PayloadError("entry.messaging.sender.id", "required")
    channel = "instagram" if obj == "instagram" else "messenger"
    return InboundMessage(
        channel=channel,
        external_id=msg["mid"],
        thread_key=f"dm:{sender}",
        # the webhook gives a PSID/IGSID only; MetaConnector fills in the name from the profile
        author=Author(external_id=sender, handle=sender),
        text=msg.get("text") or "",
        attachments=meta_attachments(msg.get("attachments")),
        created_at=_when(ev.get("timestamp")),
        public=False,
        in_reply_to=(msg.get("reply_to") or {}).get("mid"),
    )


def _change(obj: str, ch: dict[str, Any], entry_time: Any) -> InboundMessage | None:
    v = ch.get("value")
    if not isinstance(v, dict):
        raise PayloadError("entry.changes.value", "must be an object")
    if obj == "page" and ch.get("field") == "feed" and v.get("item") == "comment" and v.get("verb") == "add":
        if not v.get("comment_id"):
            raise PayloadError("entry.changes.value.comment_id", "required for a feed comment")
        who = v.get("from") or {}
        return InboundMessage(
            channel="facebook",
            external_id=str(v["comment_id"]),
            thread_key=str(v.get("post_id")),
            author=Author(
                external_id=str(who.get("id", "")),
                handle=who.get("name", ""),
                display_name=who.get("name", ""),
            ),
            text=v.get("message", ""),
            created_at=_when(v.get("created_time") or entry_time),
            in_reply_to=v.get("parent_id") if v.get("parent_id") != v.get("post_id") else None,
            url=(v.get("post") or {}).get("permalink_url"),
        )
    if obj == "instagram" and ch.get("field") in ("comments", "live_comments"):
        if not v.get("id"):
            raise PayloadError("entry.changes.value.id", "required for an Instagram comment")
        who = v.get("from") or {}
        return InboundMessage(
            channel="instagram",
            external_id=str(v["id"]),
            thread_key=str((v.get("media") or {}).get("id", v["id"])),
            author=Author(
                external_id=str(who.get("id", "")),
                handle=who.get("username", ""),
                display_name=who.get("username", ""),
                profile_url=f"https://instagram.com/{who['username']}" if who.get("username") else "",
            ),
            text=v.get("text", ""),
            created_at=_when(entry_time),
            in_reply_to=v.get("parent_id"),
        )
    return None  # other documented fields (reactions, mentions, story insights...) carry no message


# What an entry may carry; one with none of these is a shape we do not know.
_ENTRY_PARTS = ("messaging", "changes", "field", "standby")


def _entry(obj: str, entry: Any) -> list[InboundMessage]:
    if not isinstance(entry, dict):
        raise PayloadError("entry", "each entry must be an object")
    if not any(k in entry for k in _ENTRY_PARTS):
        raise PayloadError("entry", f"an entry needs one of {', '.join(_ENTRY_PARTS)}")
    out: list[InboundMessage] = []
    for key in ("messaging", "standby"):  # standby: messages while another app holds the thread
        events = entry.get(key) or []
        if not isinstance(events, list):
            raise PayloadError(f"entry.{key}", "must be an array")
        out += [m for m in (_messaging(obj, ev) for ev in events if isinstance(ev, dict)) if m]
    changes = entry.get("changes") or []
    if not isinstance(changes, list):
        raise PayloadError("entry.changes", "must be an array")
    if "field" in entry:  # the Instagram form with field/value directly on the entry
        changes = [*changes, {"field": entry["field"], "value": entry.get("value")}]
    for ch in changes:
        if not isinstance(ch, dict):
            raise PayloadError("entry.changes", "each change must be an object")
        msg = _change(obj, ch, entry.get("time"))
        if msg is not None:
            out.append(msg)
    return out


def parse_events(body: Any) -> list[InboundMessage]:
    """Every message in a (batched) delivery: all entries, all messaging[] and changes[].

    The documentation prints deliveries both as one object and as an array of them; both are
    read. Anything else, or an entry of no documented shape, is a PayloadError (a 400)."""
    if isinstance(body, list):
        if not body:
            raise PayloadError("body", "an empty array carries no event")
        return [m for part in body for m in parse_events(part)]
    if not isinstance(body, dict):
        raise PayloadError("body", "expected a JSON object (or an array of them)")
    obj = body.get("object")
    if obj not in ("page", "instagram"):
        raise PayloadError("object", f"expected page or instagram, got {obj!r}")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("entry", "must be an array")
    return [m for entry in entries for m in _entry(obj, entry)]


class MetaConnector(BaseConnector):
    """One Facebook Page (and its linked Instagram account)."""

    kind = "meta"
    sends_attachments = True
    pushed = True
    options = (
        Option("base_url", default="https://graph.facebook.com"),
        Option("api_version", default="v21.0"),
        Option("page_id", required=True),
        Option("ig_user_id", help="the linked Instagram professional account"),
        Option("timeout", default=10.0),
        Option("app_secret", secret=True, required=True),
        Option(
            "verify_token", secret=True, required=True, help="chosen by you, typed into the app dashboard"
        ),
        Option("page_access_token", secret=True, required=True),
    )

    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """The GET handshake: the challenge to echo as text/plain, or SignatureError (answer 403)."""
        return hub_challenge(self.secret("verify_token"), params)

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        """Verify X-Hub-Signature-256 over the raw bytes, then unpack the batch."""
        check_hub_signature(self.secret("app_secret"), headers, raw_body)
        body = loads(raw_body)  # nesting-limited: a PayloadError, never a RecursionError
        try:
            messages = parse_events(body)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a documented key of an odd type
            raise PayloadError("entry", f"unreadable event ({type(exc).__name__}: {exc})") from None
        return [self._named(m) for m in messages]

    def _named(self, msg: InboundMessage) -> InboundMessage:
        """A DM's author with the name from their profile (cached), never a bare PSID as the name."""
        if msg.channel not in ("messenger", "instagram") or msg.public or msg.author.display_name:
            return msg
        name = self.profile_name(msg.channel, msg.author.external_id)
        if not name:
            return msg
        handle = msg.author.handle if msg.channel == "messenger" else name
        return replace(msg, author=replace(msg.author, display_name=name, handle=handle))

    def profile_name(self, channel: str, user_id: str) -> str:
        """The person's name per the User Profile API (Messenger: first/last name; Instagram:
        name or username), cached per account for a day; "" when Meta will not tell us
        (no profile permission, a deleted user): the webhook is still stored, never failed."""
        owner = self.settings.get("ig_user_id") if channel == "instagram" else self.settings["page_id"]
        key, now = (str(owner), user_id), self.clock()
        hit = _profiles.get(key)
        if hit is not None and now - hit[0] < PROFILE_TTL:
            return hit[1]
        fields = "name,username" if channel == "instagram" else "first_name,last_name"
        try:
            data = self._graph("GET", f"/{user_id}", params={"fields": fields}) or {}
        except ConnectorError:
            data = {}
        if channel == "instagram":
            name = str(data.get("name") or data.get("username") or "")
        else:
            name = " ".join(str(data[k]) for k in ("first_name", "last_name") if data.get(k))
        if len(_profiles) >= PROFILE_CACHE_SIZE:
            _profiles.pop(next(iter(_profiles)))
        _profiles[key] = (now, name)
        return name

    @property
    def api(self) -> Transport:
        base = f"{self.settings['base_url'].rstrip('/')}/{self.settings['api_version']}"
        return self.transport("generic", base=base)

    def _graph(self, method: str, path: str, params: dict[str, str] | None = None, **kw: Any) -> Any:
        params = {**(params or {}), "access_token": self.secret("page_access_token")}
        try:
            return self.api.call(method, path, params=params, **kw).data
        except PermanentError as exc:
            err = exc.body.get("error") if isinstance(exc.body, dict) else None
            code = err.get("code") if isinstance(err, dict) else None
            if code in THROTTLE_CODES or (code or 0) >= 80001:
                reset = datetime.fromtimestamp(self.clock(), UTC) + timedelta(minutes=5)
                raise RateLimited(reset, f"graph throttled (code {code})") from None
            raise

    def send_reply(self, reply: OutboundReply) -> str:
        """DMs via the Send API; comments as comment replies (FB /comments, IG /replies)."""
        chan = reply.metadata.get("channel") or reply.channel
        if not reply.public:
            recipient = reply.thread_key.removeprefix("dm:")
            sender = self.settings.get("ig_user_id") if chan == "instagram" else self.settings["page_id"]
            if reply.attachments and chan == "instagram":
                raise PermanentError("Instagram direct replies cannot carry uploaded files")
            return self._send_messages(sender, recipient, reply)
        if not reply.in_reply_to:
            raise PermanentError("a comment reply needs in_reply_to (the comment id)")
        edge = "replies" if chan == "instagram" else "comments"
        return str(self._graph("POST", f"/{reply.in_reply_to}/{edge}", data={"message": reply.text})["id"])

    def _send_messages(self, sender: str, recipient: str, reply: OutboundReply) -> str:
        """The text, then one message per file (the Send API takes one attachment a message),
        each uploaded as multipart `filedata`; each delivered part is reported at once and
        skipped when the reply is sent again, so no file is repeated."""
        parts: list[Attachment | None] = (
            [None] if reply.text.strip() or not reply.attachments else []
        ) + list(reply.attachments)
        done = list(reply.parts_sent)
        for i, f in enumerate(parts):
            if i < len(done):
                continue
            if f is None:
                body = {
                    "recipient": {"id": recipient},
                    "messaging_type": "RESPONSE",
                    "message": {"text": reply.text},
                }
                sent = self._graph("POST", f"/{sender}/messages", json_body=body)
            else:
                sent = self._send_file(sender, recipient, f)
            done.append(str(sent["message_id"]))
            if reply.on_part is not None:
                reply.on_part(done[-1])
        return done[0]

    def _send_file(self, sender: str, recipient: str, f: Attachment) -> Any:
        ctype = f.content_type or "application/octet-stream"
        kind = ctype.split("/", 1)[0] if ctype.split("/", 1)[0] in ATTACHMENT_TYPES else "file"
        form = {
            "recipient": json.dumps({"id": recipient}),
            "messaging_type": "RESPONSE",
            "message": json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}}}),
        }
        upload = {"filedata": (f.name or "file", f.data or b"", ctype)}
        return self._graph("POST", f"/{sender}/messages", data=form, files=upload)

    @classmethod
    def reply_file_refusal(
        cls, channel: str, public: bool, content_type: str, size: int, count: int
    ) -> str | None:
        """Messenger direct messages carry files; Instagram's Send API takes files only by a
        public URL, and comment replies take none, so those are refused with why."""
        if channel == "instagram" and not public:
            return (
                "Instagram direct replies cannot carry uploaded files (its Send API takes only public URLs)"
            )
        if public:
            return "comment replies cannot carry files; answer in a direct message to send one"
        return MESSENGER_FILES.refusal("Messenger", content_type, size, count)

    def test(self) -> str:
        """GET /me with the page token names the page."""
        me = self._graph("GET", "/me")
        return f"page {me.get('name')} ({me.get('id')})"


register(MetaConnector)
