"""Channel kinds registered by name, as Redash registers query runners.

An adapter module ends with `register(MyConnector)`; `BUILTIN` names the modules to
import on first use. Adding a channel: one new module and one line in `BUILTIN`.
Nothing is imported until a kind is asked for, so importing the registry is cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.base import BaseConnector
from connectors.errors import PayloadError

BUILTIN: tuple[str, ...] = (
    "connectors.demo",
    "connectors.webhook",
    "connectors.mastodon",
    "connectors.x",
    "connectors.bluesky",
    "connectors.reddit",
    "connectors.telegram",
    "connectors.meta",
    "connectors.email",
    "connectors.rss",
    "connectors.widget",
    "connectors.line",
    "connectors.whatsapp",
    "connectors.wechat",
)

_kinds: dict[str, type[BaseConnector]] = {}
_loaded = False


def register(cls: type[BaseConnector]) -> type[BaseConnector]:
    """Make `cls` available under `cls.kind`; usable as a decorator."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    _kinds[cls.kind] = cls
    return cls


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        for module in BUILTIN:
            importlib.import_module(module)
        _loaded = True


def kinds() -> list[str]:
    """Every registered kind, sorted, for forms, the CLI and validation messages."""
    _load_builtin()
    return sorted(_kinds)


def get(kind: str) -> type[BaseConnector]:
    """The class for `kind`; an unknown kind is a PayloadError on field `kind`."""
    _load_builtin()
    try:
        return _kinds[kind]
    except KeyError:
        raise PayloadError(
            "kind", f"unknown channel kind {kind!r}; expected one of {sorted(_kinds)}"
        ) from None


def create(
    kind: str,
    settings: Mapping[str, Any],
    secrets: Mapping[str, Any],
    http: httpx.Client | None = None,
    **kwargs: Any,
) -> BaseConnector:
    """Build a connector; settings/secrets problems raise PayloadError naming the field."""
    return get(kind)(settings, secrets, http, **kwargs)
