"""The one way the screenshot scripts start Murmur and a browser.

`scripts/screenshots.py`, `screenshots_admin.py` and `screenshots_listening.py` each need the
same thing: a `murmur serve` on a throwaway SQLite database with the demo seeded (and sometimes
a token or a tweak to the database first), a headless Debian Chromium, and everything stopped
afterwards even when a step fails. They used to start it three ways; `demo_server` is that once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.processes import CHROMIUM, CHROMIUM_ARGS, MURMUR, free_port, serve  # noqa: E402

ARGS = CHROMIUM_ARGS
LOGIN = ("demo@murmur.local", "murmur-demo")  # the demo supervisor; every demo login shares the password
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class DemoServer:
    """A running demo: its address, database, an API token when one was asked for, and a browser."""

    base: str
    database_url: str
    token: str | None
    browser: Any


def murmur(env: dict[str, str], *args: str) -> str:
    """Run a `murmur` command against the demo's database; its standard output."""
    return subprocess.run(
        [MURMUR, *args], env={**os.environ, **env}, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def demo_server(
    *,
    scheduler: bool = True,
    demo_args: Sequence[str] = (),
    prepare: Callable[[str], None] | None = None,
    token_for: str | None = None,
    token_name: str | None = None,
) -> Iterator[DemoServer]:
    """Migrate and seed a temporary demo, run `prepare(database_url)`, make a token for
    `token_for` when given, serve it and launch Chromium; stop both however the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/murmur.db"
        env = {
            "MURMUR_INSTANCE_PATH": tmp,
            "MURMUR_DATABASE_URL": url,
            "MURMUR_SECRET_KEY": "screenshots",
            "MURMUR_SCHEDULER": "1" if scheduler else "0",
        }
        murmur(env, "migrate")
        murmur(env, "demo", *demo_args)
        if prepare is not None:
            prepare(url)
        token = None
        if token_for:
            named = ("--name", token_name) if token_name else ()
            token = murmur(env, "create-token", "--email", token_for, *named).strip().splitlines()[-1]
        port = free_port()
        proc = serve(env, port, Path(tmp) / "serve.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    yield DemoServer(f"http://127.0.0.1:{port}", url, token, browser)
                finally:
                    browser.close()
        finally:
            proc.stop()


def sign_in(page: Page, base: str, email: str = LOGIN[0], password: str = LOGIN[1]) -> None:
    """Sign in through the login form and wait for the page it leads to."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
