"""WhatsApp Business Platform (Cloud API): Meta-signed webhooks in, Graph API messages out.

Webhooks are signed like every Meta webhook (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body
keyed with the app secret) and subscribed with the same `hub.challenge` handshake. A delivery's
`changes[].value` holds `messages` (what customers wrote) and `statuses` (what became of our
replies: sent, delivered, read, failed with the reason); the second come back as
`DeliveryStatus` values so the inbox can update each reply's delivery state.

WhatsApp lets a business answer freely only within 24 hours of the customer's last message (the
customer-service window). Outside it only an approved message template may be sent:
`templates()` lists the account's approved ones with their numbered variables, and a reply whose
metadata names a template is sent as one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from connectors.base import BaseConnector, Option
from connectors.errors import PayloadError, PermanentError
from connectors.http import Transport
from connectors.jsonbody import loads
from connectors.media import download
from connectors.meta_hub import check_hub_signature, hub_challenge
from connectors.registry import register
from connectors.types import Attachment, Author, Delivery, DeliveryStatus, InboundMessage, OutboundReply

WINDOW_HOURS = 24
MEDIA = {"image": "image", "video": "video", "audio": "audio", "document": "file", "sticker": "sticker"}
STATES = ("sent", "delivered", "read", "failed")
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _when(value: Any) -> datetime:
    return datetime.fromtimestamp(float(value or 0), UTC)


def _contact_card(c: Mapping[str, Any]) -> str:
    name = (c.get("name") or {}).get("formatted_name") or ""
    phones = ", ".join(str(p.get("phone")) for p in c.get("phones") or [] if p.get("phone"))
    return " ".join(p for p in (name, phones) if p)


def _content(m: Mapping[str, Any]) -> tuple[str, tuple[Attachment, ...], str | None]:
    """The text, files and the message answered (reactions and replies) of one inbound message."""
    kind = m.get("type")
    context = (m.get("context") or {}).get("id")
    if kind == "text":
        return str((m.get("text") or {}).get("body") or ""), (), context
    if kind in MEDIA:
        media = m.get(kind) or {}
        if not media.get("id"):
            raise PayloadError(f"messages.{kind}.id", "required")
        file = Attachment(
            kind=MEDIA[kind],
            name=str(media.get("filename") or ""),
            content_type=str(media.get("mime_type") or "").split(";", 1)[0],
            ref=str(media["id"]),
        )
        return str(media.get("caption") or ""), (file,), context
    if kind == "location":
        loc = m.get("location") or {}
        label = "\n".join(str(loc[k]) for k in ("name", "address") if loc.get(k))
        url = loc.get("url") or f"https://maps.google.com/?q={loc.get('latitude')},{loc.get('longitude')}"
        return label, (Attachment(kind="link", name=label or "location", url=str(url)),), context
    if kind == "contacts":
        return "\n".join(_contact_card(c) for c in m.get("contacts") or []), (), context
    if kind == "interactive":
        inter = m.get("interactive") or {}
        chosen = inter.get(str(inter.get("type"))) or {}
        if not chosen:
            raise PayloadError("messages.interactive", "no button_reply or list_reply")
        return str(chosen.get("title") or chosen.get("id") or ""), (), context
    if kind == "button":  # a template's quick-reply button
        return str((m.get("button") or {}).get("text") or ""), (), context
    if kind == "reaction":
        r = m.get("reaction") or {}
        return str(r.get("emoji") or ""), (), r.get("message_id") or context
    if kind == "unsupported":
        return "", (), context
    raise PayloadError("messages.type", f"unknown message type {kind!r}")


def _status(s: Mapping[str, Any]) -> DeliveryStatus:
    state = s.get("status")
    if state not in STATES or not s.get("id"):
        raise PayloadError("statuses", f"a status needs an id and one of {STATES}")
    error = None
    if s.get("errors"):
        e = s["errors"][0]
        detail = (e.get("error_data") or {}).get("details") or e.get("message") or e.get("title") or ""
        error = f"{e.get('code')}: {detail}".strip(": ")
    return DeliveryStatus(str(s["id"]), str(state), _when(s.get("timestamp")), error)


def parse_body(body: Any) -> tuple[list[InboundMessage], list[DeliveryStatus]]:
    """Every message and status of a delivery (all entries and changes)."""
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        raise PayloadError("object", "expected whatsapp_business_account")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("entry", "must be an array")
    messages: list[InboundMessage] = []
    statuses: list[DeliveryStatus] = []
    for entry in entries:
        for change in (entry or {}).get("changes") or []:
            if change.get("field") != "messages":
                continue  # account, template and quality updates carry no message
            value = change.get("value") or {}
            names = {
                str(c.get("wa_id")): (c.get("profile") or {}).get("name", "")
                for c in value.get("contacts") or []
            }
            for m in value.get("messages") or []:
                sender = str(m.get("from") or "")
                if not sender or not m.get("id"):
                    raise PayloadError("messages.from", "a message needs its sender and id")
                text, files, answered = _content(m)
                messages.append(
                    InboundMessage(
                        channel="whatsapp",
                        external_id=str(m["id"]),
                        thread_key=f"wa:{sender}",
                        author=Author(
                            external_id=sender,
                            handle=f"+{sender}",
                            display_name=str(names.get(sender) or ""),
                            phone=f"+{sender}",
                        ),
                        text=text,
                        attachments=files,
                        created_at=_when(m.get("timestamp")),
                        public=False,
                        in_reply_to=str(answered) if answered else None,
                    )
                )
            statuses += [_status(s) for s in value.get("statuses") or []]
    return messages, statuses


def template_variables(template: Mapping[str, Any]) -> list[str]:
    """The numbered (or named) variables of a template's body, in order: ["1", "2"]."""
    for comp in template.get("components") or []:
        if comp.get("type") == "BODY":
            return list(dict.fromkeys(_VARIABLE.findall(str(comp.get("text") or ""))))
    return []


def render_template(template: Mapping[str, Any], values: list[str]) -> str:
    """The body text a customer will read, with `values` in place of its variables."""
    body = next((c.get("text", "") for c in template.get("components") or [] if c.get("type") == "BODY"), "")
    names = template_variables(template)
    lookup = dict(zip(names, values, strict=False))
    return _VARIABLE.sub(lambda m: lookup.get(m.group(1), m.group(0)), str(body))


class WhatsAppConnector(BaseConnector):
    """One WhatsApp business phone number on the Cloud API."""

    kind = "whatsapp"
    pushed = True
    # the platform counts any answer but 200 as a failed delivery (and may redeliver it)
    webhook_status: ClassVar[int] = 200
    options = (
        Option("base_url", default="https://graph.facebook.com"),
        Option("api_version", default="v21.0"),
        Option("phone_number_id", required=True, help="WhatsApp > API Setup: Phone number ID"),
        Option("business_account_id", help="WhatsApp Business Account ID (to list message templates)"),
        Option("timeout", default=10.0),
        Option("app_secret", secret=True, required=True, help="App settings > Basic: App secret"),
        Option("verify_token", secret=True, required=True, help="chosen by you, typed into the webhook form"),
        Option("access_token", secret=True, required=True, help="a system user's permanent access token"),
    )

    @property
    def api(self) -> Transport:
        base = f"{self.settings['base_url'].rstrip('/')}/{self.settings['api_version']}"
        return self.transport(
            "generic", headers={"Authorization": f"Bearer {self.secret('access_token')}"}, base=base
        )

    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """Meta's GET handshake: the challenge to echo, or SignatureError (answered 403)."""
        return hub_challenge(self.secret("verify_token"), params)

    def parse_delivery(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> Delivery:
        """Verify X-Hub-Signature-256 over the raw bytes, then read messages and statuses."""
        check_hub_signature(self.secret("app_secret"), headers, raw_body)
        try:
            messages, statuses = parse_body(loads(raw_body))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PayloadError("entry", f"unreadable delivery ({type(exc).__name__}: {exc})") from None
        return replace(Delivery.of(messages), statuses=tuple(statuses))

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        return list(self.parse_delivery(headers, raw_body, now).messages)

    def send_reply(self, reply: OutboundReply) -> str:
        """A text message, or (metadata "template": JSON {name, language, variables}) a template."""
        to = reply.thread_key.removeprefix("wa:")
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        if reply.metadata.get("template"):
            t = json.loads(reply.metadata["template"])
            params = [{"type": "text", "text": str(v)} for v in t.get("variables") or []]
            body |= {
                "type": "template",
                "template": {
                    "name": t["name"],
                    "language": {"code": t["language"]},
                    "components": [{"type": "body", "parameters": params}] if params else [],
                },
            }
        else:
            body |= {"type": "text", "text": {"body": reply.text, "preview_url": False}}
            if reply.in_reply_to:
                body["context"] = {"message_id": reply.in_reply_to}
        sent = (
            self.api.call("POST", f"/{self.settings['phone_number_id']}/messages", json_body=body).data or {}
        )
        ids = sent.get("messages") or []
        if not ids or not ids[0].get("id"):
            raise PermanentError("whatsapp: the answer named no message id")
        return str(ids[0]["id"])

    def templates(self) -> list[dict[str, Any]]:
        """The account's approved templates: name, language, body text and variables."""
        waba = self.settings.get("business_account_id")
        if not waba:
            raise PayloadError("settings.business_account_id", "required to list message templates")
        params = {"status": "APPROVED", "fields": "name,language,status,category,components", "limit": "100"}
        data = self.api.call("GET", f"/{waba}/message_templates", params=params).data or {}
        out = []
        for t in data.get("data") or []:
            if t.get("status", "APPROVED") != "APPROVED":
                continue
            body = next((c.get("text", "") for c in t.get("components") or [] if c.get("type") == "BODY"), "")
            out.append(
                {
                    "name": t.get("name"),
                    "language": t.get("language"),
                    "category": t.get("category"),
                    "body": body,
                    "variables": template_variables(t),
                }
            )
        return out

    def fetch_media(self, item: Attachment, max_bytes: int) -> tuple[bytes, str]:
        """GET /<media id> names a short-lived URL, read with the same token."""
        if not item.ref:
            return super().fetch_media(item, max_bytes)
        info = self.api.call("GET", f"/{item.ref}").data or {}
        if not info.get("url"):
            raise PermanentError("whatsapp: the media has no URL (expired after 30 days?)")
        auth = {"Authorization": f"Bearer {self.secret('access_token')}"}
        return download(
            self.http, str(info["url"]), max_bytes, float(self.settings["timeout"]) * 3, headers=auth
        )

    def test(self) -> str:
        """The phone number's display number and verified name."""
        data = (
            self.api.call(
                "GET",
                f"/{self.settings['phone_number_id']}",
                params={"fields": "display_phone_number,verified_name"},
            ).data
            or {}
        )
        return f"WhatsApp {data.get('display_phone_number')} ({data.get('verified_name')})"


register(WhatsAppConnector)
