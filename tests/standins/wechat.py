"""WeChat Official Account API stand-in: /cgi-bin/token (a new token; the previous one keeps
working for five minutes, as the platform documents), /cgi-bin/message/custom/send (errcode
40001 for a token that is not valid, 45015 after 48 hours without a customer message),
/cgi-bin/media/get. Errors come as HTTP 200 with a nonzero `errcode`, as on the platform.
Builds signed pushes in plain and in safe (AES) mode."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from connectors.wechat_crypto import Envelope, sign
from tests.standins.base import Request, Response, StandIn, json_response, route


@dataclass
class WeChatStandIn(StandIn):
    app_id: str = "wx5823bf96d3bd56c7"
    app_secret: str = "wechat-app-secret"
    token: str = "murmur-wechat-token"
    encoding_aes_key: str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    sent: list[dict[str, Any]] = field(default_factory=list)
    last_inbound: dict[str, float] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    tokens_issued: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)  # token -> valid until
    _n: int = 0

    def routes(self):
        return [
            route("GET", "/cgi-bin/token", self._token),
            route("POST", "/cgi-bin/message/custom/send", self._send),
            route("GET", "/cgi-bin/media/get", self._media),
        ]

    # --- building pushes -------------------------------------------------------------------
    def text_xml(
        self, text: str = "你好，我的订单还没到", openid: str = "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"
    ) -> str:
        """A customer's text message as the platform pushes it (and their 48 hours begin)."""
        self._n += 1
        self.last_inbound[openid] = self.clock()
        return (
            "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(self.clock())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{24000000000000000 + self._n}</MsgId></xml>"
        )

    def push(self, xml: str, *, safe: bool = False, token: str | None = None) -> tuple[str, bytes]:
        """(query string, body) of one POST to the server URL, signed with `token`."""
        token = token or self.token
        ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        query = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "x"}
        if not safe:
            return urlencode(query), xml.encode()
        encrypted = Envelope(self.encoding_aes_key, self.app_id).encrypt(xml.encode())
        query |= {"encrypt_type": "aes", "msg_signature": sign(token, ts, nonce, encrypted)}
        body = f"<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return urlencode(query), body.encode()

    def url_check(self, echostr: str = "5927782489442352469", token: str | None = None) -> str:
        ts, nonce = str(int(time.time())), "1514799437"
        return urlencode(
            {
                "signature": sign(token or self.token, ts, nonce),
                "timestamp": ts,
                "nonce": nonce,
                "echostr": echostr,
            }
        )

    # --- the API ---------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every issued token stops working (the platform invalidated them)."""
        self._tokens.clear()

    def _valid(self, req: Request) -> bool:
        until = self._tokens.get(req.arg("access_token") or "")
        return until is not None and self.clock() < until

    def _token(self, req: Request) -> Response:
        if req.arg("appid") != self.app_id or req.arg("secret") != self.app_secret:
            return json_response(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        now = self.clock()
        for old, until in list(self._tokens.items()):
            self._tokens[old] = min(until, now + 300)  # the old one lives five more minutes
        self.tokens_issued += 1
        token = f"ACCESS_TOKEN_{self.tokens_issued}_{uuid.uuid4().hex[:8]}"
        self._tokens[token] = now + 7200
        return json_response(200, {"access_token": token, "expires_in": 7200})

    def _send(self, req: Request) -> Response:
        if not self._valid(req):
            return json_response(
                200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            )
        body = req.json()
        last = self.last_inbound.get(body.get("touser", ""))
        if last is None or self.clock() - last > 48 * 3600:
            return json_response(
                200, {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
            )
        self.sent.append(body)
        return json_response(200, {"errcode": 0, "errmsg": "ok"})

    def _media(self, req: Request) -> Response:
        if not self._valid(req):
            return json_response(200, {"errcode": 40001, "errmsg": "invalid credential"})
        if (req.arg("media_id") or "") not in self.media:
            return json_response(200, {"errcode": 40007, "errmsg": "invalid media_id"})
        data, ctype = self.media[req.arg("media_id") or ""]
        return 200, {"Content-Type": ctype}, data
