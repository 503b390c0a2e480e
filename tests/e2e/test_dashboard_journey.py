"""Browser: a burst of negative signed webhook messages raises a spike alert live on an open dashboard;
clicking it lists exactly those messages.

The shared `server` fixture runs `murmur serve` with production spike settings (5-minute buckets);
this journey needs 2-second buckets, so it runs the same app factory in-process with that setting
and a fast spike loop in place of the 30-second scheduler tick.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.webhook import sign
from inbox.admin.agents import create_agent
from inbox.channels.accounts import create_channel
from inbox.channels.demo import seed_defaults
from inbox.insights.spikes_service import check_spikes
from tests.processes import free_port, migrated_sqlite
from web.app import create_app
from web.config import Config
from web.extensions import socketio

pytestmark = pytest.mark.e2e
PASSWORD = "e2e password 123"
ANGRY = "This is terrible, awful service. I hate it!"
BUCKET = 2  # seconds: the spike bucket this journey configures
DETECTOR_PERIOD = 0.5  # seconds between detector passes (production: the 30-second tick)


def _wait_for_passes(live: dict[str, Any], after: float, n: int, timeout: float = 30) -> None:
    """Block until `n` detector passes have finished after monotonic time `after`, or fail."""
    deadline = time.monotonic() + timeout
    while sum(1 for t in live["passes"] if t > after) < n:
        if time.monotonic() > deadline:
            pytest.fail(f"the spike detector did not run {n} times in {timeout} s")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("e2e-dash")
    url = migrated_sqlite(tmp / "murmur.db")
    config = Config(database_url=url, secret_key="e2e-dash-secret", scheduler=False, instance_path=str(tmp))
    app = create_app(config, settings={"spike_bucket_seconds": 2})
    inbox = app.extensions["murmur.inbox"]
    seed_defaults(inbox)
    create_agent(inbox, "boss@example.com", PASSWORD, "supervisor", "Bea", teams=["Support"])
    hook, generated = create_channel(inbox, None, "webhook", "Shop", {}, {}, team_id=1)
    port = free_port()
    stop = threading.Event()
    passes: list[float] = []  # when each detector pass finished, so a test can wait for whole passes

    def spikes() -> None:
        while not stop.is_set():
            check_spikes(inbox)
            passes.append(time.monotonic())
            stop.wait(DETECTOR_PERIOD)

    threading.Thread(
        target=socketio.run,
        args=(app,),
        kwargs={
            "host": "127.0.0.1",
            "port": port,
            "allow_unsafe_werkzeug": True,
            "use_reloader": False,
            "log_output": False,
        },
        daemon=True,
    ).start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # ready, or a failure that says so: never a silent fall-through into the test
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the in-process server on {base} did not answer /healthz within 30 s")
        time.sleep(0.1)
    check_spikes(inbox)  # warm the detector up on the quiet history
    threading.Thread(target=spikes, daemon=True).start()
    yield {"base": base, "channel": hook["id"], "secret": generated["webhook_secret"], "passes": passes}
    stop.set()


def _post_burst(live: dict[str, Any], n: int) -> None:
    body = json.dumps(
        {
            "messages": [
                {
                    "id": f"burst-{i}",
                    "text": f"{ANGRY} ({i})",
                    "author": {
                        "id": f"angry{i}",
                        "handle": f"angry{i}",
                        "name": f"Angry {i}",
                        "followers": 10,
                    },
                }
                for i in range(n)
            ]
        }
    ).encode()
    headers = sign(live["secret"], body, int(time.time()))
    headers["Content-Type"] = "application/json"
    resp = httpx.post(f"{live['base']}/api/channels/{live['channel']}/webhook", content=body, headers=headers)
    assert resp.status_code < 300, resp.text


def test_negative_burst_raises_a_live_alert_that_lists_its_messages(live, page):
    page.goto(f"{live['base']}/login?next=/dashboard")
    page.fill("#email", "boss@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#live.online")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    assert page.locator("#live-alerts .spike").count() == 0

    _post_burst(live, 10)
    link = page.wait_for_selector("#live-alerts .spike-link", timeout=15_000)
    text = link.text_content()  # a sentence a person can read, with the count and the usual rate
    assert "Negative mentions on" in text and "(10 in 1 minute, usually" in text, text
    # One alert per episode: a duplicate could only come from a later detector pass, so count
    # after enough whole passes to span a new bucket (the episode is still open then), plus the
    # socket's delivery time.
    _wait_for_passes(live, time.monotonic(), n=int(BUCKET / DETECTOR_PERIOD) + 2)
    page.wait_for_timeout(500)
    assert page.locator("#live-alerts .spike").count() == 1  # one alert for one episode
    link.click()
    page.wait_for_selector("#drill")
    rows = page.locator("#drill .drill-row")
    assert rows.count() == 10
    texts = rows.locator("td.text").all_text_contents()
    assert all(t.startswith(ANGRY) for t in texts)
    assert not [e for e in errors if "Content Security Policy" in e]
