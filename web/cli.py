"""`murmur ...`: serve, migrate, seed, manage agents and channels, run workers and benchmarks."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import click

from inbox.store.context import Inbox
from inbox.store.errors import InboxError
from web.config import Config


def _config() -> Config:
    return Config.from_env()


def _inbox(config: Config | None = None) -> Inbox:
    config = config or _config()
    return Inbox.from_url(config.database_url, config.secret_key, busy_timeout=config.busy_timeout)


def _fail(exc: InboxError) -> None:
    where = f" ({exc.field})" if exc.field else ""
    raise click.ClickException(f"{exc.message}{where}")


@click.group()
def main() -> None:
    """Murmur: a social CRM and support inbox."""


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    from inbox.store.schema import upgrade

    config = _config()
    upgrade(config.database_url)
    click.echo(f"database at {config.database_url.split('@')[-1]} is up to date")


@main.command()
@click.option(
    "--poll-seconds",
    default=5,
    show_default=True,
    type=click.IntRange(min=5),
    help="How often the demo channel delivers (at least 5).",
)
def demo(poll_seconds: int) -> None:
    """Load demo agents, rules and the demo channel (idempotent)."""
    from inbox.channels.demo import seed_demo
    from inbox.channels.demo_history import seed_history, storm_checks
    from inbox.insights.spikes_service import check_at
    from inbox.listening.demo import seed_listening_demo

    info = seed_demo(_inbox(), poll_seconds)
    inbox = _inbox()
    stored = seed_history(inbox)
    if stored:
        check_at(
            inbox, "x", storm_checks(inbox.clock())
        )  # the storm's alert, as the job would have raised it
        click.echo(f"demo history: {stored} messages over the last 90 days (English, Chinese, Thai)")
    listening = seed_listening_demo(inbox, datetime.now(UTC))  # already there when the history made it
    if listening.get("created"):
        click.echo(f"demo listening streams: {listening['mentions']} mentions over 90 days")
    click.echo(f"demo ready: channel {info['channel_id']} (its feed loops until you stop the server)")
    for login in info["logins"]:
        click.echo(f"  {login['role']:<10} {login['email']} / {login['password']}")


@main.command()
@click.option("--host", default=None, help="Address to listen on (MURMUR_HOST, default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (MURMUR_PORT, default 5000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web inbox, the API and Socket.IO on gunicorn (and, embedded, the scheduler)."""
    from web.procnames import name_threads
    from web.server import serve as run_server

    name_threads("web")
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v}
    run_server(Config.from_env(**overrides))


@main.command("create-agent")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option(
    "--role", type=click.Choice(["admin", "supervisor", "agent"]), default="agent", show_default=True
)
@click.option("--name", default=None)
@click.option("--team", "teams", multiple=True, help="Team name (created if new); repeatable.")
@click.option("--language", "languages", multiple=True, help="Language code the agent speaks; repeatable.")
def create_agent(
    email: str, password: str, role: str, name: str | None, teams: tuple[str, ...], languages: tuple[str, ...]
) -> None:
    """Create an agent who can log in."""
    from inbox.admin.agents import create_agent as create

    try:
        agent_id = create(_inbox(), email, password, role, name, list(teams), list(languages) or None)
    except InboxError as exc:
        _fail(exc)
    click.echo(f"agent {agent_id} created: {email} ({role})")


@main.command("create-token")
@click.option("--email", required=True)
@click.option("--name", default="command line", show_default=True, help="shown on the Tokens page")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(["read", "write", "admin"]),
    help="repeatable; none: every power of the agent (as tokens had before scopes)",
)
def create_token(email: str, name: str, scopes: tuple[str, ...]) -> None:
    """Print a new API token for `Authorization: Bearer` (shown once)."""
    from inbox.admin.agents import create_token as create

    try:
        click.echo(create(_inbox(), email, name, list(scopes) or None))
    except InboxError as exc:
        _fail(exc)


@main.command()
@click.option("--concurrency", default=2, show_default=True)
def worker(concurrency: int) -> None:
    """Run a Celery worker (scaled mode)."""
    from web.celery_app import celery_from_env
    from web.procnames import name_threads
    from web.warmup import warm_process

    name_threads("worker")
    app = celery_from_env()
    warm_process()
    # each worker process its own node name, so several on one machine do not clash
    node = f"--hostname=murmur{os.getpid()}@%h"
    app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=threads", node])


@main.command()
def beat() -> None:
    """Run Celery beat, the scaled mode's clock (scaled mode)."""
    from web.celery_app import celery_from_env
    from web.procnames import name_threads

    name_threads("beat")
    celery_from_env().start(["beat", "--loglevel=INFO", "--schedule=/tmp/murmur-beat-schedule"])


@main.group()
def channels() -> None:
    """Connect, list and poll channels."""


@channels.command("list")
def channels_list() -> None:
    """Each channel with its health."""
    from inbox.channels.accounts import list_channels

    for ch in list_channels(_inbox()):
        h = ch["health"]
        state = "paused" if not ch["enabled"] else ("failing" if h["consecutive_failures"] else "ok")
        click.echo(
            f"{ch['id']:>4}  {ch['kind']:<9} {ch['name']:<24} {state:<8} last ok {h['last_success_at'] or '-'}"
            f"  stored {h['items_stored']}  next {h['next_poll_at'] or '-'}"
            + (f"  error: {h['last_error']}" if h["last_error"] else "")
        )


@channels.command("add")
@click.option("--kind", required=True)
@click.option("--name", required=True)
@click.option("--settings", default="{}", help="JSON object of settings.")
@click.option("--secrets", default="{}", help="JSON object of secrets (stored encrypted).")
@click.option("--team-id", type=int, default=None)
def channels_add(kind: str, name: str, settings: str, secrets: str, team_id: int | None) -> None:
    """Connect a channel, the same way for every kind."""
    from inbox.channels.accounts import create_channel

    try:
        channel, generated = create_channel(
            _inbox(), None, kind, name, _json(settings, "settings"), _json(secrets, "secrets"), team_id
        )
    except InboxError as exc:
        _fail(exc)
    click.echo(f"channel {channel['id']} created ({kind})")
    for key, value in generated.items():
        click.echo(f"{key}: {value}  (shown once; keep it)")


@channels.command("poll")
@click.argument("channel_id", type=int)
def channels_poll(channel_id: int) -> None:
    """Poll one channel now and say what was fetched, stored and skipped."""
    from inbox.channels.polling import poll

    try:
        r = poll(_inbox(), channel_id, force=True)
    except InboxError as exc:
        _fail(exc)
    click.echo(
        f"channel {channel_id}: {r.status}, fetched {r.fetched}, stored {r.stored}, skipped {r.skipped}"
        + (f", error: {r.error}" if r.error else "")
    )


def _json(raw: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint=f"--{name}") from None
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint=f"--{name}")
    return value


@main.command()
@click.option("--quick", is_flag=True, help="Smaller runs, for a smoke check.")
def bench(quick: bool) -> None:
    """Print throughput and latency figures with their same-run baselines."""
    from web.bench import run_all

    run_all(quick=quick)


@main.command("bench-scale")
@click.option("--messages", default=1_000_000, show_default=True, help="Size of the one-year database.")
@click.option("--backend", "backends", multiple=True, type=click.Choice(["sqlite", "postgresql"]))
@click.option("--repeat", default=40, show_default=True, help="Requests per latency figure.")
def bench_scale(messages: int, backends: tuple[str, ...], repeat: int) -> None:
    """Figures on a year of a mid-size brand's traffic (built once per code version, then kept)."""
    from web.bench.scale import run_scale
    from web.bench.year import Shape

    shape = Shape(messages=messages, conversations=max(100, messages // 10))
    run_scale(backends or ("sqlite", "postgresql"), shape, repeat)


def _register_plugins() -> None:
    """Command groups that live beside what they manage (one line each)."""
    from web import cli_analytics, cli_rules, cli_sentiment

    for module in (cli_sentiment, cli_analytics, cli_rules):
        module.register(main)


_register_plugins()
