"""WeChat Official Account (公众号): signed XML pushed in, customer-service messages out.

The platform proves itself with `signature` = SHA-1 over the sorted token, timestamp and nonce,
sent as query parameters: on the GET that checks the server URL (answered with `echostr`) and on
every POST. In safe mode the POST body is an AES envelope signed with `msg_signature`
(`connectors.wechat_crypto`). The web layer hands the request's query string to the connector
in the `X-Murmur-Query` header (set by Murmur, never taken from the caller).

WeChat waits 5 seconds for an answer and then retries, three times in all, with the same MsgId:
the webhook answers `success` as soon as the message is stored, MsgId is the dedup key (an event,
which has none, is keyed by sender and CreateTime as the platform advises), so a retry stores
nothing. Replies go through the customer-service message API, allowed for 48 hours after the
customer's last message.

The API wants an access token (2 hours) per account, and a new one invalidates the old one
after five minutes, so every process must share one: `WeChatConnector.tokens` is a store the
inbox chooses (memory in embedded mode, Redis in scaled mode) and the token is refreshed ten
minutes before it expires, by one process at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qsl

from connectors.base import BaseConnector, Option, lower_headers
from connectors.errors import ConnectorError, PayloadError, PermanentError, SignatureError, TransientError
from connectors.http import Transport
from connectors.media import download
from connectors.registry import register
from connectors.types import Attachment, Author, InboundMessage, OutboundReply
from connectors.wechat_crypto import Envelope, check, parse_xml

QUERY_HEADER = "x-murmur-query"
WINDOW_HOURS = 48
REFRESH_EARLY = 600.0  # seconds before expiry a token is replaced
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid or expired access token: fetch a new one once
# Events acknowledged and not stored: nothing in them for an agent to answer
QUIET_EVENTS = {"subscribe", "unsubscribe", "click", "view", "scan", "location", "templatesendjobfinish"}


class TokenStore(Protocol):
    """Where an account's access token is kept so that every process uses the same one."""

    def get(self, key: str) -> tuple[str, float] | None:
        """(token, expires at epoch seconds) or None."""
        ...

    def put(self, key: str, token: str, expires_at: float) -> None: ...

    def lock(self, key: str) -> Any:
        """A context manager held while one process refreshes the token."""
        ...


class MemoryTokens:
    """One process's tokens (the embedded mode runs one web process)."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str) -> tuple[str, float] | None:
        return self._tokens.get(key)

    def put(self, key: str, token: str, expires_at: float) -> None:
        self._tokens[key] = (token, expires_at)

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def query_of(headers: Mapping[str, str]) -> dict[str, str]:
    return dict(parse_qsl(lower_headers(headers).get(QUERY_HEADER, ""), keep_blank_values=True))


def parse_fields(f: Mapping[str, str]) -> InboundMessage | None:
    """One message's XML fields as a message; events as None (acknowledged, not stored)."""
    kind = f.get("MsgType", "")
    sender = f.get("FromUserName", "")
    if not sender:
        raise PayloadError("FromUserName", "required")
    if kind == "event":
        if f.get("Event", "").lower() in QUIET_EVENTS:
            return None
        raise PayloadError("Event", f"unknown event {f.get('Event')!r}")
    if not f.get("MsgId"):
        raise PayloadError("MsgId", "required for a message")
    text, files = "", ()
    if kind == "text":
        text = f.get("Content", "")
    elif kind == "image":
        files = (Attachment(kind="image", url=f.get("PicUrl") or None, ref=f.get("MediaId") or None),)
    elif kind in ("voice", "video", "shortvideo"):
        # a voice message carries the platform's transcript when recognition is switched on
        text = f.get("Recognition", "")
        files = (Attachment(kind="audio" if kind == "voice" else "video", ref=f.get("MediaId") or None),)
    elif kind == "location":
        lat, lng = f.get("Location_X"), f.get("Location_Y")
        text = f.get("Label", "")
        files = (
            Attachment(
                kind="link", name=text or f"{lat},{lng}", url=f"https://maps.google.com/?q={lat},{lng}"
            ),
        )
    elif kind == "link":
        text = "\n".join(p for p in (f.get("Title"), f.get("Description")) if p)
        files = (Attachment(kind="link", name=f.get("Title", ""), url=f.get("Url") or None),)
    else:
        raise PayloadError("MsgType", f"unknown message type {kind!r}")
    return InboundMessage(
        channel="wechat",
        external_id=f["MsgId"],
        thread_key=f"wx:{sender}",
        author=Author(external_id=sender, handle=sender),
        text=text,
        attachments=files,
        created_at=datetime.fromtimestamp(int(f.get("CreateTime") or 0), UTC),
        public=False,
    )


class WeChatConnector(BaseConnector):
    """One Official Account (a service account, which may use the customer-service API)."""

    kind = "wechat"
    pushed = True
    webhook_answer: ClassVar[str] = "success"  # what the platform expects; anything else alarms the user
    # answered as soon as the message is recorded and ingested after (the platform waits 5 s only)
    answer_first: ClassVar[bool] = True
    tokens: ClassVar[TokenStore] = MemoryTokens()
    options = (
        Option("base_url", default="https://api.weixin.qq.com"),
        Option("app_id", required=True, help="Settings and Development > Basic configuration: AppID"),
        Option("timeout", default=10.0),
        Option("token", secret=True, required=True, help="Server configuration: Token (chosen by you)"),
        Option(
            "encoding_aes_key",
            secret=True,
            help="Server configuration: EncodingAESKey (for safe or compatible mode)",
        ),
        Option("app_secret", secret=True, required=True, help="Basic configuration: AppSecret"),
    )

    @property
    def api(self) -> Transport:
        return self.transport("generic")

    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """The server URL check: `echostr` when the signature over token, timestamp, nonce holds.

        An Official Account signs with `signature` and sends `echostr` in clear; the encrypted
        form (`msg_signature` over the four, `echostr` in the AES envelope, as WeCom and the
        platform's crypto sample do) is accepted too and answered with the decrypted string."""
        echo = str(params.get("echostr", ""))
        if params.get("msg_signature"):
            check(str(params["msg_signature"]), self.secret("token"), *self._stamp(params), echo)
            return self._envelope().decrypt(echo).decode()
        check(str(params.get("signature", "")), self.secret("token"), *self._stamp(params))
        return echo

    def _envelope(self) -> Envelope:
        key = self._secrets.get("encoding_aes_key")
        if not key:
            raise SignatureError("an encrypted message, and no EncodingAESKey is set for this account")
        return Envelope(str(key), self.settings["app_id"])

    @staticmethod
    def _stamp(params: Mapping[str, str]) -> tuple[str, str]:
        return str(params.get("timestamp", "")), str(params.get("nonce", ""))

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        """Check the signature (and in safe mode msg_signature), decrypt, then read the XML."""
        params = query_of(headers)
        token = self.secret("token")
        if params.get("encrypt_type") != "aes":
            # plain mode: the signature over token, timestamp and nonce, checked before the body is read
            check(params.get("signature", ""), token, *self._stamp(params))
            fields = parse_xml(raw_body)
        else:
            # safe mode: msg_signature covers token, timestamp, nonce and the ciphertext itself
            if not params.get("msg_signature"):
                raise SignatureError("missing msg_signature")
            encrypted = parse_xml(raw_body).get("Encrypt", "")
            if not encrypted:
                raise PayloadError("Encrypt", "required in safe mode")
            check(params["msg_signature"], token, *self._stamp(params), encrypted)
            fields = parse_xml(self._envelope().decrypt(encrypted))
        try:
            msg = parse_fields(fields)
        except (KeyError, TypeError, ValueError) as exc:
            raise PayloadError("body", f"unreadable message ({type(exc).__name__}: {exc})") from None
        return [msg] if msg else []

    def access_token(self, force: bool = False) -> str:
        """The account's shared token, fetched by one process when missing or about to expire."""
        key = f"wechat:{self.settings['app_id']}"
        hit = self.tokens.get(key)
        if hit and not force and hit[1] - self.clock() > REFRESH_EARLY:
            return hit[0]
        with self.tokens.lock(key):
            again = self.tokens.get(key)  # another process may have refreshed it meanwhile
            if again and again != hit and again[1] - self.clock() > REFRESH_EARLY:
                return again[0]
            params = {
                "grant_type": "client_credential",
                "appid": self.settings["app_id"],
                "secret": self.secret("app_secret"),
            }
            data = self._ok(self.api.call("GET", "/cgi-bin/token", params=params).data)
            token = str(data["access_token"])
            self.tokens.put(key, token, self.clock() + float(data.get("expires_in") or 7200))
            return token

    @staticmethod
    def _ok(data: Any) -> dict[str, Any]:
        data = data if isinstance(data, dict) else {}
        code = int(data.get("errcode") or 0)
        if code == -1:
            raise TransientError("wechat: system busy (-1)")
        if code:
            raise PermanentError(f"wechat: {code} {data.get('errmsg', '')}".strip(), body=data)
        return data

    def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        """A call with the access token; a token the platform says is stale is replaced once."""
        for attempt in (0, 1):
            params = {**kw.pop("params", {}), "access_token": self.access_token(force=attempt == 1)}
            try:
                return self._ok(self.api.call(method, path, params=params, **kw).data)
            except PermanentError as exc:
                code = (exc.body or {}).get("errcode") if isinstance(exc.body, dict) else None
                if attempt or code not in TOKEN_ERRORS:
                    raise
                kw["params"] = {k: v for k, v in params.items() if k != "access_token"}
        raise AssertionError("unreachable")  # pragma: no cover

    def send_reply(self, reply: OutboundReply) -> str:
        """A customer-service text message (allowed within 48 hours of the customer's last one)."""
        body = {
            "touser": reply.thread_key.removeprefix("wx:"),
            "msgtype": "text",
            "text": {"content": reply.text},
        }
        try:
            self._call("POST", "/cgi-bin/message/custom/send", json_body=body)
        except PermanentError as exc:
            if "45015" in str(exc):
                raise PermanentError(
                    "WeChat refused: more than 48 hours since the customer's last message (45015)"
                ) from None
            raise
        return ""  # the API names no id for a customer-service message

    def fetch_media(self, item: Attachment, max_bytes: int) -> tuple[bytes, str]:
        """An image by its PicUrl; voice and video by MediaId through the temporary-media API.

        That API answers errors as JSON with HTTP 200 (`{"errcode": 40001, ...}`): such an answer is
        never taken for the file; a stale token is replaced once, anything else is a failure."""
        if item.url or not item.ref:
            return super().fetch_media(item, max_bytes)
        base = self.settings["base_url"].rstrip("/")
        for attempt in (0, 1):
            token = self.access_token(force=attempt == 1)
            url = f"{base}/cgi-bin/media/get?access_token={token}&media_id={item.ref}"
            try:
                data, ctype = download(self.http, url, max_bytes, float(self.settings["timeout"]) * 3)
            except ConnectorError as exc:  # never show the token that sits in the query
                raise type(exc)(str(exc).replace(token, "***")) from None
            if ctype not in ("application/json", "text/plain") or not data.lstrip().startswith(b"{"):
                return data, ctype
            try:
                code = int(json.loads(data).get("errcode") or 0)
                why = str(json.loads(data).get("errmsg") or "")
            except (ValueError, AttributeError):
                return data, ctype  # a JSON or text file a customer sent
            if code in TOKEN_ERRORS and attempt == 0:
                continue
            raise PermanentError(f"wechat media/get: {code} {why}".strip())
        raise AssertionError("unreachable")  # pragma: no cover

    def test(self) -> str:
        """A fresh access token proves AppID and AppSecret."""
        self.access_token(force=True)
        return f"WeChat account {self.settings['app_id']}: access token fetched"


register(WeChatConnector)
