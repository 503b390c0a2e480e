"""`murmur serve` on gunicorn: a production server in both modes, with no development-server warning.

Flask-SocketIO's threading mode (simple-websocket for the websocket transport) runs on gunicorn's
`gthread` worker, as Flask-SocketIO documents: one worker process with many threads; each open
websocket holds one thread, so `MURMUR_WEB_THREADS` (default 100) bounds the agents one process
serves at once. Always one worker per `murmur serve`: gunicorn's balancing across workers is not
sticky, and a Socket.IO client must reach the process that holds its session. More web processes
(scaled mode) are more `murmur serve` instances on their own ports, behind a proxy with sticky
sessions, sharing rooms through the Redis message queue.

The app is built in the worker, after gunicorn forks (no preloading), so everything that starts
threads starts there and never in the master, which stays a plain single-threaded arbiter: the
embedded mode's APScheduler jobs, the WAL checkpointer (`inbox.store.wal_checkpoint`, started by
the worker's first large commit), Socket.IO's background tasks, and the scorers loaded and frozen
(`web.warmup`) before the URL is printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from web.config import Config

# Seconds a stopping worker gives requests in flight (and open websockets) before it is killed.
GRACEFUL_SECONDS = 5
BOOT_SECONDS = 120


def build_worker_app(config: Config) -> Flask:
    """The app one worker serves, with the embedded scheduler started beside it when configured."""
    from connectors import registry
    from inbox.channels.demo import DEMO_LOGIN, DEMO_LOGINS
    from inbox.conversations.warm import warm_reads
    from web.app import create_app
    from web.warmup import warm_process

    app = create_app(config)
    app.config["MURMUR_DEMO_LOGIN"] = DEMO_LOGIN if not config.scaled else None
    app.config["MURMUR_DEMO_LOGINS"] = DEMO_LOGINS if not config.scaled else None
    # Before the URL is printed and before any job runs: the first message must not wait for
    # the scorers' tables, nor a polling job load them inside its write transaction.
    # Every connector module, so the first delivery of a kind does not import one mid-request.
    registry.kinds()
    # The token check's, the ranked list's and a conversation page's statements compiled now,
    # not by the first agent's requests (inbox.conversations.warm).
    warm_reads(app.extensions["murmur.inbox"])
    warm_process()
    if config.scheduler:
        from web.scheduler import start

        app.extensions["murmur.scheduler"] = start(app.extensions["murmur.inbox"])
    mode = "scaled" if config.scaled else "embedded"
    click.echo(f"Murmur ({mode}) is serving the inbox at http://{config.host}:{config.port}/")
    if not config.scaled:
        for role, email in DEMO_LOGINS:
            click.echo(f"Log in as the demo {role}: {email} / {DEMO_LOGIN[1]}")
    sys.stdout.flush()
    return app


def _stop_scheduler(_server: Any, worker: Any) -> None:
    """gunicorn's worker_exit hook: stop the jobs before the interpreter shuts their pool down."""
    app = getattr(worker, "wsgi", None)
    scheduler = app.extensions.get("murmur.scheduler") if isinstance(app, Flask) else None
    if scheduler is not None:
        scheduler.shutdown(wait=False)


def gunicorn_options(host: str, port: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for one `murmur serve` (see the module docstring for why each)."""
    return {
        "bind": [f"{host}:{port}"],
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "graceful_timeout": GRACEFUL_SECONDS,
        # The master kills a worker silent this long. Requests never count (gthread's main loop
        # beats on its own); loading the app and the scorers in a new worker does, and on a busy
        # small machine that can pass gunicorn's default 30 s.
        "timeout": BOOT_SECONDS,
        "proc_name": "murmur-web",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "preload_app": False,  # build the app (and its threads) in the worker, not the master
        # gunicorn 24+'s control socket sits at one path per user: several `murmur serve` would share it.
        "control_socket_disable": True,
        "worker_exit": _stop_scheduler,
    }


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from code: the settings above, the app built in the worker by `build`."""

    def __init__(self, options: dict[str, Any], build: Callable[[], Flask]) -> None:
        self.options, self.build = options, build
        super().__init__(prog="murmur serve")

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # a setting older gunicorns lack is simply not needed there
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.build()


def run_gunicorn(build: Callable[[], Flask], host: str, port: int, threads: int) -> None:
    """Serve the app `build()` makes (called in the worker) until stopped (SIGTERM or Ctrl-C).
    The benchmark's bare Flask-SocketIO baseline runs on it too, so both sides share a server."""
    _Gunicorn(gunicorn_options(host, port, threads), build).run()


def serve(config: Config) -> None:
    """Run `murmur serve` for `config` until it is stopped."""
    run_gunicorn(lambda: build_worker_app(config), config.host, config.port, config.web_threads)
