"""Screenshots of the listening page with the demo streams, for docs/screenshots/.

    .venv/bin/python scripts/screenshots_listening.py [--out docs/screenshots]

Starts its own `murmur serve` on a temporary SQLite database (migrate + demo, which seeds the
brand and competitor streams) and writes page-listening-desktop.png (1440x900) and
page-listening-phone.png (390x844).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshots import ARGS, CHROMIUM, DESKTOP, LOGIN, PHONE  # noqa: E402
from tests.processes import MURMUR, free_port, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "MURMUR_DATABASE_URL": f"sqlite:///{tmp}/murmur.db",
            "MURMUR_SECRET_KEY": "screenshots",
            "MURMUR_INSTANCE_PATH": tmp,
            "MURMUR_SCHEDULER": "1",
        }
        for cmd in ("migrate", "demo"):
            subprocess.run(
                [MURMUR, cmd], env={**os.environ, **env}, cwd=ROOT, check=True, capture_output=True
            )
        port = free_port()
        proc = serve(env, port, Path(tmp) / "serve.log")
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                    page = browser.new_context(viewport=size).new_page()
                    page.goto(f"{base}/login")
                    page.fill("#email", LOGIN[0])
                    page.fill("#password", LOGIN[1])
                    page.click("button[type=submit]")
                    page.wait_for_url(f"{base}/**")
                    page.goto(f"{base}/listening")
                    expect(page.locator(".mention").first).to_be_visible(timeout=20_000)
                    page.screenshot(path=str(out / f"page-listening-{name}.png"))
                    page.context.close()
                browser.close()
        finally:
            proc.stop()


if __name__ == "__main__":
    main()
