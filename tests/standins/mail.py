"""A real Dovecot IMAP server and an aiosmtpd SMTP sink, on 127.0.0.1, for the email connector.

Dovecot (Debian `dovecot-imapd`) runs rootless on an ephemeral high port from a temp
directory (reference §7). As root we run it as `nobody`. Seed mail with `append()`
(IMAP APPEND, the pure protocol) and force a UIDVALIDITY change with
`set_uidvalidity()` (doveadm), as a mailbox rebuild would.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

USER, PASSWORD = "agent@example.test", "s3cret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("doveadm") is not None


@dataclass
class Dovecot:
    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="murmur-dovecot-")))
    _proc: subprocess.Popen | None = None

    def _as_user(self) -> tuple[list[str], str, str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "nobody", "--"], "nobody", "nogroup"
        import grp
        import pwd

        return [], pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name

    def start(self) -> Dovecot:
        self.port = self.port or free_port()
        prefix, user, group = self._as_user()
        d = self.root
        (d / "run").mkdir(parents=True, exist_ok=True)
        (d / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (d / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/run/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/mail/%u
}}
mail_location = maildir:~/Maildir
""")
        if os.geteuid() == 0:
            d.chmod(0o755)
            subprocess.run(["chown", "-R", f"{user}:{group}", str(d)], check=True)
        self._prefix = prefix
        self._proc = subprocess.Popen(
            [*prefix, "dovecot", "-F", "-c", str(d / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self._proc.poll() is not None:
                    raise RuntimeError(
                        f"dovecot exited: {self._proc.stderr.read().decode()[-500:]}"
                    ) from None
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start listening")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def settings(self, **over: object) -> dict:
        return {
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imap_ssl": False,
            "username": USER,
            "timeout": 5.0,
            **over,
        }

    def append(self, *messages: EmailMessage | bytes) -> None:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        conn.login(USER, PASSWORD)
        for m in messages:
            raw = m if isinstance(m, bytes) else m.as_bytes()
            conn.append("INBOX", None, None, raw)
        conn.logout()

    def set_uidvalidity(self, value: int) -> None:
        subprocess.run(
            [
                *self._prefix,
                "doveadm",
                "-c",
                str(self.root / "dovecot.conf"),
                "mailbox",
                "update",
                "-u",
                USER,
                "--uid-validity",
                str(value),
                "INBOX",
            ],
            check=True,
            capture_output=True,
        )


def make_mail(
    n: int,
    *,
    sender: str = "Dana Kim <dana.kim@example.com>",
    subject: str = "Order #4821",
    in_reply_to: str | None = None,
    references: str | None = None,
    html: bool = False,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "support@acme.example", subject
    msg["Date"] = "Wed, 04 Mar 2026 10:15:29 +0000"
    msg["Message-ID"] = f"<m{n}@example.com>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(f"Hello, message {n}: where is my parcel?")
    if html:
        msg.add_alternative(f"<p>Hello, <b>message {n}</b>: where is my parcel?</p>", subtype="html")
    return msg


@dataclass
class SmtpSink:
    """aiosmtpd on 127.0.0.1 collecting envelopes in `.messages` (raw bytes)."""

    messages: list = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
                sink.messages.append(envelope)
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self._controller.start()
        self.port = self._controller.port
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
