"""Search clients for listening streams: one module per network's search API, plain Python.

Each client is a `Connector` whose `poll(cursor)` returns one page of posts found by a query,
so the channels' poller (cursors, 429 and reset headers, backoff) drives them unchanged.
`create(network, settings, secrets)` builds one by name, as `connectors.registry` does for
channels; `query.StreamQuery` is the saved query and the local check every post must pass.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.base import BaseConnector
from connectors.errors import PayloadError

NETWORKS: dict[str, str] = {
    "x": "connectors.search.x:XSearch",
    "mastodon": "connectors.search.mastodon:MastodonSearch",
    "bluesky": "connectors.search.bluesky:BlueskySearch",
    "reddit": "connectors.search.reddit:RedditSearch",
    "rss": "connectors.search.rss:FeedSearch",
}


def get(network: str) -> type[BaseConnector]:
    """The search client class for `network`; an unknown one is a PayloadError on `network`."""
    if network not in NETWORKS:
        raise PayloadError("network", f"unknown network {network!r}; expected one of {sorted(NETWORKS)}")
    module, name = NETWORKS[network].split(":")
    return getattr(importlib.import_module(module), name)


def create(
    network: str,
    settings: Mapping[str, Any],
    secrets: Mapping[str, Any],
    http: httpx.Client | None = None,
    **kwargs: Any,
) -> BaseConnector:
    """A search client; missing settings raise PayloadError naming the field."""
    return get(network)(settings, secrets, http, **kwargs)
