"""The website chat widget's web side: the loader script, the framed chat and its visitor API.

Visitors are not agents: they never get a session cookie, every call carries their signed visitor
token (Authorization: Bearer), and they reach Murmur only through these routes and the `/widget`
Socket.IO namespace (web.widget.live).
"""

from __future__ import annotations

from flask import Flask

from web.widget import live, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.bp)
    live.register()
