"""Screenshots of the listening page with the demo streams, for docs/screenshots/.

    .venv/bin/python scripts/screenshots_listening.py [--out docs/screenshots]

Starts its demo with `scripts/screenshot_server.py` (migrate + demo, which seeds the brand and
competitor streams) and writes page-listening-desktop.png (1440x900) and
page-listening-phone.png (390x844).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshot_server import DESKTOP, PHONE, demo_server, sign_in  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    with demo_server() as demo:
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page = demo.browser.new_context(viewport=size).new_page()
            sign_in(page, demo.base)
            page.wait_for_url(f"{demo.base}/**")
            page.goto(f"{demo.base}/listening")
            expect(page.locator(".mention").first).to_be_visible(timeout=20_000)
            page.screenshot(path=str(out / f"page-listening-{name}.png"))
            page.context.close()


if __name__ == "__main__":
    main()
