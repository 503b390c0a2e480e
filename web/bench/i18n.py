"""Interface languages cost nothing measurable: the ranked list and ingest, in Thai against English, same run.

    python -m web.bench.i18n            (also part of `make bench`)

Ranked list: `GET /api/conversations` (the inbox's list) and `GET /` (the inbox page, the most translated
page) for one agent, the same database, Thai profile against English profile, interleaved request by request
so neither side gets the quieter second. Ingest: mixed-language messages through `inbox.ingest.ingest`
with a rule that sends a canned reply with Thai and Chinese variants (chosen per conversation, #20) against
the same rule whose reply has no variants (the default text, as before #20).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from pathlib import Path
from typing import Any

from web.bench.common import (
    Figure,
    _agents,
    _inbound,
    _sqlite_inbox,
    _team_id,
    _warm_scorers,
    _workdir,
    texts,
)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def ranked_list(conversations: int = 300, requests: int = 60) -> dict[str, float]:
    """Median ms of the ranked list and of the inbox page with a Thai and an English profile."""
    from inbox.admin import preferences
    from inbox.admin.agents import create_token
    from inbox.channels.accounts import create_channel
    from inbox.ingest import ingest
    from web.app import create_app
    from web.config import Config

    with contextlib.ExitStack() as stack:
        path: Path = stack.enter_context(_workdir())
        url = f"sqlite:///{path}/bench.db"
        inbox = _sqlite_inbox(path)
        th_id, en_id = _agents(inbox, 2, capacity=conversations + 10)
        preferences.save(inbox, th_id, locale="th_TH", fields=frozenset({"locale"}))
        preferences.save(inbox, en_id, locale="en", fields=frozenset({"locale"}))
        channel, _ = create_channel(inbox, None, "webhook", "bench", {}, {}, _team_id(inbox))
        corpus = texts(conversations)
        ingest(inbox, channel["id"], _inbound(corpus, authors=conversations))
        app = create_app(
            Config(
                database_url=url, secret_key="bench", instance_path=str(path), scheduler=False, testing=True
            )
        )
        emails = {}
        with inbox.read() as s:
            from inbox.store.models import Agent

            for agent_id in (th_id, en_id):
                emails[agent_id] = s.get(Agent, agent_id).email
        tokens = {a: create_token(inbox, emails[a]) for a in (th_id, en_id)}
        client = app.test_client()
        samples: dict[str, list[float]] = {"api_th": [], "api_en": [], "page_th": [], "page_en": []}
        for who in (th_id, en_id):  # warm both: templates compiled, catalogues read
            client.get("/api/conversations", headers={"Authorization": f"Bearer {tokens[who]}"})
        for _ in range(requests):
            for who, key in ((th_id, "th"), (en_id, "en")):
                headers = {"Authorization": f"Bearer {tokens[who]}", "Accept-Language": "th"}
                t = time.perf_counter()
                res = client.get("/api/conversations", headers=headers)
                samples[f"api_{key}"].append(time.perf_counter() - t)
                assert res.status_code == 200
        for who in (th_id, en_id):
            with client.session_transaction() as sess:
                sess["agent_id"] = who
            client.get("/")
        for _ in range(requests):
            for who, key in ((th_id, "th"), (en_id, "en")):
                with client.session_transaction() as sess:
                    sess["agent_id"] = who
                t = time.perf_counter()
                res = client.get("/")
                samples[f"page_{key}"].append(time.perf_counter() - t)
                assert res.status_code == 200 and (
                    ("กล่องข้อความ" in res.get_data(as_text=True)) == (key == "th")
                )
        inbox.engine.dispose()
    return {k: _median_ms(v) for k, v in samples.items()}


def ingest_with_variants(n: int = 1200, batch: int = 100, rounds: int = 3) -> dict[str, float]:
    """Messages per second through ingest with a send_canned rule: reply variants per language against none."""
    from inbox.channels.accounts import create_channel
    from inbox.ingest import ingest
    from inbox.store.models import CannedResponse, Rule

    def setup(path: Path, variants: dict[str, str]) -> tuple[Any, int, list[Any]]:
        inbox = _sqlite_inbox(path)
        _agents(inbox, 3, capacity=n + 100)
        channel, _ = create_channel(inbox, None, "webhook", "bench", {}, {}, _team_id(inbox))
        with inbox.unit_of_work() as uow:
            canned = CannedResponse(shortcut="ack", text="Thanks, we are on it.", variants=variants)
            uow.session.add(canned)
            uow.session.flush()
            uow.session.add(
                Rule(
                    name="acknowledge",
                    trigger="message.created",
                    conditions=[{"field": "message.public", "op": "equals", "value": True}],
                    actions=[{"type": "send_canned", "canned_id": canned.id}],
                    position=0,
                    enabled=True,
                )
            )
        corpus = texts(n)
        _warm_scorers(corpus)
        return inbox, channel["id"], _inbound(corpus, authors=n // 2)

    rates: dict[str, list[float]] = {"variants": [], "default": []}
    sides = [
        ("variants", {"th": "ขอบคุณค่ะ เรากำลังดำเนินการให้", "zh": "谢谢，我们正在处理。"}),
        ("default", {}),
    ]
    for round_ in range(rounds):
        for key, variants in sides if round_ % 2 == 0 else sides[::-1]:  # neither side always goes first
            with _workdir() as path:
                inbox, channel_id, messages = setup(path, variants)
                ingest(inbox, channel_id, messages[:batch])  # warm: rules compiled, first writes done
                timed = messages[batch:]
                t = time.perf_counter()
                for i in range(0, len(timed), batch):
                    ingest(inbox, channel_id, timed[i : i + batch])
                rates[key].append(len(timed) / (time.perf_counter() - t))
                inbox.engine.dispose()
    return {k: statistics.median(v) for k, v in rates.items()}


def figures(quick: bool = False) -> list[Figure]:
    ranked = ranked_list(150 if quick else 300, 20 if quick else 60)
    rate = ingest_with_variants(400 if quick else 1200, 100, 2 if quick else 4)
    same = "no measurable slowdown: within 10% of the same-run baseline"
    return [
        Figure(
            "ranked list API, Thai agent",
            ranked["api_th"],
            "ms",
            ranked["api_en"],
            "English agent",
            same,
            ranked["api_th"] <= ranked["api_en"] * 1.10,
        ),
        Figure(
            "inbox page, Thai agent",
            ranked["page_th"],
            "ms",
            ranked["page_en"],
            "English agent",
            same,
            ranked["page_th"] <= ranked["page_en"] * 1.10,
        ),
        Figure(
            "ingest, canned reply in the customer's language",
            rate["variants"],
            "msg/s",
            rate["default"],
            "default text only",
            same,
            rate["variants"] >= rate["default"] * 0.90,
        ),
    ]


def main() -> None:  # pragma: no cover - `python -m web.bench.i18n`
    from web.bench.report import table

    print(table(figures()))


if __name__ == "__main__":  # pragma: no cover
    main()
