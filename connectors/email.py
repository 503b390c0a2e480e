"""Email: IMAP in (by UID, UIDVALIDITY-aware), SMTP out with threading headers. Stdlib only.

Cursor: {"uidvalidity", "last_uid"}. The first poll takes what arrived within
`backfill_days` (IMAP `SINCE`, by the server's internal date), not the whole mailbox, so
connecting a years-old inbox does not flood the queue with mail long since dealt with. If the server's UIDVALIDITY changed, every
stored UID is void, so we re-read the mailbox from UID 1; the external id is the
Message-ID (or a hash of Date/From/Subject when there is none), so the inbox's
dedup turns the re-sync into "nothing new" instead of duplicates.
Trap: `UID SEARCH UID n:*` always includes the highest UID even when it is below n
(RFC 3501 `*` semantics; seen on Dovecot), so we filter `uid > last_uid` ourselves.
Messages are fetched with BODY.PEEK[] so polling never marks mail as read.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import re
import smtplib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, make_msgid, parsedate_to_datetime

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option
from connectors.errors import PermanentError, TransientError
from connectors.media import email_attachments
from connectors.registry import register
from connectors.text import html_to_text
from connectors.types import Author, Batch, InboundMessage, OutboundReply

_IDS = re.compile(r"<[^<>\s]+>")
_UID = re.compile(rb"UID (\d+)")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_message(raw: bytes, fallback_time: datetime | None = None) -> InboundMessage:
    """RFC 5322 bytes to a message; thread = the first References id, else In-Reply-To, else itself."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    refs = tuple(_IDS.findall(str(msg.get("References", ""))))
    parent = (_IDS.findall(str(msg.get("In-Reply-To", ""))) or [None])[0]
    mid = (_IDS.findall(str(msg.get("Message-ID", ""))) or [None])[0]
    if mid is None:
        basis = "|".join(str(msg.get(h, "")) for h in ("Date", "From", "Subject"))
        mid = "<sha256:" + hashlib.sha256(basis.encode()).hexdigest() + ">"
    (name, addr), *_ = getaddresses([str(msg.get("From", ""))]) or [("", "")]
    addr = addr.lower()
    plain, html = msg.get_body(preferencelist=("plain",)), msg.get_body(preferencelist=("html",))
    html_text = html.get_content() if html is not None else None
    text = plain.get_content() if plain is not None else html_to_text(html_text)
    try:
        created = parsedate_to_datetime(str(msg["Date"])).astimezone(UTC)
    except (TypeError, ValueError):
        created = fallback_time or datetime.fromtimestamp(0, UTC)
    text = text.replace("\r\n", "\n")  # IMAP hands us CRLF lines; the inbox shows plain newlines
    return InboundMessage(
        channel="email",
        external_id=mid,
        thread_key=(refs[0] if refs else parent) or mid,
        author=Author(external_id=addr, handle=addr, display_name=name, email=addr or None),
        text=text.strip(),
        created_at=created,
        html=html_text,
        public=False,
        in_reply_to=parent,
        subject=str(msg.get("Subject", "")) or None,
        references=refs,
        attachments=email_attachments(msg, (plain, html)),
    )


# Reply prefixes mail clients write in other languages (Outlook's Chinese and Thai among them),
# so answering "回覆: order 42" gives "Re: order 42", not "Re: 回覆: order 42".
_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|sv|vs|antw|回覆|回复|回信|答复|答覆|ตอบกลับ|ตอบ)\s*[:：]\s*", re.IGNORECASE
)


def reply_subject(subject: str | None) -> str:
    """`Re: <the customer's subject>`, never `Re: Re: ...` (nor a localized reply prefix)."""
    s = (subject or "").strip()
    while (m := _REPLY_PREFIX.match(s)) is not None:
        s = s[m.end() :]
    return f"Re: {s}" if s else "Re: your message"


class EmailConnector(BaseConnector):
    """One IMAP mailbox in, one SMTP account out."""

    kind = "email"
    pulled = True
    sends_attachments = True
    options = (
        Option("imap_host", required=True),
        Option("imap_port", default=993),
        Option("imap_ssl", default=True),
        Option("username", required=True),
        Option("mailbox", default="INBOX"),
        Option("batch_size", default=50),
        Option("smtp_host"),
        Option("smtp_port", default=587),
        Option("smtp_starttls", default=True),
        Option("smtp_username"),
        Option("from_address", help="replies come from this address"),
        Option("timeout", default=20.0),
        BACKFILL,
        Option("password", secret=True, required=True),
        Option("smtp_password", secret=True),
    )

    def _imap(self) -> imaplib.IMAP4:
        s, timeout = self.settings, float(self.settings["timeout"])
        cls = imaplib.IMAP4_SSL if s["imap_ssl"] else imaplib.IMAP4
        try:
            conn = cls(s["imap_host"], int(s["imap_port"]), timeout=timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransientError(
                f"IMAP {s['imap_host']}:{s['imap_port']}: cannot connect ({type(exc).__name__})"
            ) from None
        try:
            conn.login(s["username"], self.secret("password"))
        except imaplib.IMAP4.error:
            conn.shutdown()
            raise PermanentError(f"IMAP login refused for {s['username']}") from None
        return conn

    def poll(self, cursor: str | None) -> Batch:
        """The next `batch_size` messages above `last_uid` (all of them again after a UIDVALIDITY change)."""
        state = cur.load(cursor)
        conn = self._imap()
        try:
            typ, _ = conn.select(self.settings["mailbox"], readonly=True)
            if typ != "OK":
                raise PermanentError(f"IMAP mailbox {self.settings['mailbox']!r} cannot be selected")
            validity = int(conn.response("UIDVALIDITY")[1][0])
            if state.get("uidvalidity") == validity:
                last = int(state.get("last_uid", 0))
                _, data = conn.uid("SEARCH", None, f"UID {last + 1}:*")
            else:  # first poll (or every UID void): what arrived since the backfill horizon
                last = 0
                day = datetime.fromtimestamp(self.backfill_horizon(), UTC)
                since = f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"  # RFC 3501 date, no locale
                _, data = conn.uid("SEARCH", None, f"SINCE {since}")
            uids = sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > last)  # the n:* trap
            take = uids[: int(self.settings["batch_size"])]
            messages = []
            if take:
                _, fetched = conn.uid("FETCH", ",".join(map(str, take)), "(UID BODY.PEEK[])")
                for part in fetched:
                    if isinstance(part, tuple) and _UID.search(part[0]):
                        messages.append(parse_message(part[1], datetime.fromtimestamp(self.clock(), UTC)))
            nxt = cur.dump({"uidvalidity": validity, "last_uid": take[-1] if take else last})
            return Batch(tuple(messages), nxt, has_more=len(uids) > len(take))
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise TransientError(f"IMAP connection lost ({type(exc).__name__})") from None
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn.logout()

    def send_reply(self, reply: OutboundReply) -> str:
        """SMTP with In-Reply-To and References, so the customer's client threads it; returns our Message-ID."""
        s = self.settings
        to = reply.recipient.email or reply.recipient.external_id if reply.recipient else None
        if not to or not s.get("smtp_host") or not s.get("from_address"):
            raise PermanentError(
                "email reply needs a recipient address, settings.smtp_host and settings.from_address"
            )
        # RFC 5322's hard limit, not 78: Python folds a long Subject right after "Subject:",
        # which clients then show with a leading space
        msg = EmailMessage(policy=policy.default.clone(max_line_length=998))
        msg["From"], msg["To"] = s["from_address"], to
        msg["Subject"] = reply_subject(reply.metadata.get("subject"))
        msg["Message-ID"] = make_msgid(domain=s["from_address"].rsplit("@", 1)[-1])
        if reply.in_reply_to:
            refs = _IDS.findall(reply.metadata.get("references", ""))
            if reply.in_reply_to not in refs:
                refs.append(reply.in_reply_to)
            if len(refs) > 10:  # keep the root and the most recent
                refs = [refs[0], *refs[-9:]]
            msg["In-Reply-To"], msg["References"] = reply.in_reply_to, " ".join(refs)
        msg.set_content(reply.text)
        for f in reply.attachments:
            maintype, _, subtype = (f.content_type or "application/octet-stream").partition("/")
            msg.add_attachment(
                f.data or b"", maintype=maintype, subtype=subtype or "octet-stream", filename=f.name
            )
        try:
            with smtplib.SMTP(s["smtp_host"], int(s["smtp_port"]), timeout=float(s["timeout"])) as smtp:
                if s["smtp_starttls"]:
                    smtp.starttls()
                if s.get("smtp_username"):
                    smtp.login(
                        s["smtp_username"], self._secrets.get("smtp_password") or self.secret("password")
                    )
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError:
            raise PermanentError("SMTP login refused") from None
        except smtplib.SMTPResponseException as exc:
            err = TransientError if exc.smtp_code >= 400 and exc.smtp_code < 500 else PermanentError
            raise err(f"SMTP refused the reply: {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP {s['smtp_host']}: {type(exc).__name__}") from None
        return str(msg["Message-ID"])

    def test(self) -> str:
        """Log in and count the mailbox."""
        conn = self._imap()
        try:
            typ, data = conn.select(self.settings["mailbox"], readonly=True)
            return f"IMAP login ok; {self.settings['mailbox']} holds {int(data[0])} messages"
        finally:
            conn.logout()


register(EmailConnector)
