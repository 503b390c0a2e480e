"""The application factory: the one composition root for the web process.

`create_app(config)` binds the extensions, builds the `Inbox` (database, publisher, clock) and
registers the views. Tests, `murmur serve` and the benchmark all go through it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import text

from inbox.channels import webhooks_out
from inbox.channels.tokens import share_tokens
from inbox.store import settings_cache
from inbox.store.context import Inbox
from web import (
    auth,
    error_pages,
    errors,
    i18n,
    json_response,
    limits,
    pages,
    pages_admin,
    pages_admin_console,
    pages_customers,
    pages_dashboard,
    pages_digest,
    pages_escalation,
    pages_listening,
    pages_reports,
    pages_sentiment,
    ratelimits,
    realtime,
    widget,
)
from web.api import bp as api_bp
from web.api import load_views
from web.config import Config
from web.extensions import csrf, socketio
from web.i18n import customer as customer_text
from web.realtime_mq import LocalRoomsRedisManager
from web.webhook_wsgi import SECURITY_HEADERS, LeanWebhooks


def create_app(config: Config | None = None, **inbox_kwargs: Any) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, instance_path=None)
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in web.auth for cookie sessions only
        WTF_CSRF_TIME_LIMIT=None,
        MURMUR=config,
    )
    app.config.update(config.extra)
    json_response.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    # init_app merges into options kept from an earlier app (a Redis client manager, say);
    # each app must start from its own configuration.
    socketio.server_options.clear()
    queue: dict[str, Any] = {}
    if config.redis_url:  # events for no socket of this process are dropped unread (web.realtime_mq)
        queue["client_manager"] = LocalRoomsRedisManager(config.redis_url, channel="flask-socketio")
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=config.redis_url,
        cors_allowed_origins=[],
        ping_interval=10,
        ping_timeout=10,
        **queue,
    )
    inbox_kwargs.setdefault("event_hooks", [webhooks_out.queue_events])
    inbox_kwargs["settings"] = {
        **config.inbox_settings(),
        "translate": customer_text.translate,  # what the inbox writes to customers, in their language
        "translations": customer_text.translations_for,  # and the mails it writes, in the reader's
        **inbox_kwargs.get("settings", {}),
    }
    inbox_kwargs.setdefault("blobs", config.blob_store())
    relay = widget.live.WidgetRelay(realtime.SocketIOPublisher(socketio))
    inbox = Inbox.from_url(
        config.database_url,
        config.secret_key,
        busy_timeout=config.busy_timeout,
        publisher=relay,
        **inbox_kwargs,
    )
    relay.inbox = inbox
    if not config.settings_cache:
        settings_cache.switch_off(inbox.engine)
    app.extensions["murmur.inbox"] = inbox
    app.extensions["murmur.config"] = config
    if config.scaled:  # webhooks are recorded and answered at once, then ingested by workers
        from web.celery_app import LaneDispatch

        app.extensions["murmur.lanes"] = dispatch = LaneDispatch(config.redis_url or "")
        # the usual delivery's 202 is answered before Flask (about 40% of its CPU was Flask's)
        app.wsgi_app = LeanWebhooks(app.wsgi_app, inbox, dispatch)  # type: ignore[method-assign]
        share_tokens(config.redis_url)  # WeChat's access token, one for every process

    limits.init_app(app)  # first: the id converter before any rule, the body limit before auth
    errors.register(app)
    error_pages.register(app)  # after: pages get HTML errors, /api keeps JSON
    # before auth: a token over its limit costs no database lookup
    ratelimits.init_app(app, config.redis_url or "murmur-memory://", config.api_rate_limit)
    auth.init_app(app)
    load_views()
    app.register_blueprint(api_bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pages_escalation.bp)
    app.register_blueprint(pages_sentiment.bp)
    app.register_blueprint(pages_dashboard.bp)
    app.register_blueprint(pages_admin.bp)
    app.register_blueprint(pages_admin_console.bp)
    app.register_blueprint(pages_reports.bp)
    app.register_blueprint(pages_customers.bp)
    app.register_blueprint(pages_digest.bp)
    app.register_blueprint(pages_listening.bp)
    realtime.register(socketio)
    widget.init_app(app)

    @app.after_request
    def _security_headers(resp: Any) -> Any:
        # Social content is untrusted: even if markup slipped through, no inline script may run.
        for name, value in SECURITY_HEADERS:  # (the lean webhook path sends the same)
            resp.headers.setdefault(name, value)
        return resp

    @app.get("/healthz")
    def healthz() -> Any:
        """Answers 200 when the database answers; says which mode runs. One statement, so no
        transaction around it (`Inbox.glance`: on PostgreSQL one round trip, not three)."""
        with inbox.glance() as s:
            s.execute(text("SELECT 1"))
        return jsonify(
            {"status": "ok", "mode": "scaled" if config.scaled else "embedded", "database": inbox.dialect}
        )

    return app
