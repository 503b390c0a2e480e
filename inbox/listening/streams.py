"""Streams: a team's saved query, tagged brand / product / competitor, and the searches it runs.

A stream's sources are derived from its query and the networks chosen: X and Reddit take one
OR-query; Mastodon takes one hashtag timeline per hashtag and one search per keyword or phrase;
Bluesky one search per keyword, phrase or hashtag; a feed one source per URL. Editing the query
rebuilds the sources (their cursors start afresh, and dedup keeps each post once).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.errors import PayloadError
from connectors.search import NETWORKS
from connectors.search.query import TAGS, StreamQuery
from inbox.admin.agents import load_agent
from inbox.conversations.serialize import iso
from inbox.store.access import MANAGERS, require_role
from inbox.store.context import Inbox
from inbox.store.errors import N_, Forbidden, Invalid, NotFound
from inbox.store.models import Agent, ChannelAccount, ListeningSource, ListeningStream, Team

MAX_FEEDS = 10


def manager(s: Session, agent_id: int) -> Agent:
    """The signed-in supervisor or admin (listening is theirs), else Forbidden."""
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    require_role(agent, *MANAGERS)
    return agent


def stream_dict(st: ListeningStream, sources: list[ListeningSource] | None = None) -> dict[str, Any]:
    """A stream as the API shows it; sources with their health, never credentials."""
    out: dict[str, Any] = {
        "id": st.id,
        "team_id": st.team_id,
        "name": st.name,
        "tag": st.tag,
        "query": st.query,
        "alerts": st.alerts or {},
        "enabled": st.enabled,
        "created_at": iso(st.created_at),
        "updated_at": iso(st.updated_at),
    }
    if sources is not None:
        out["networks"] = sorted({src.network for src in sources})
        out["feeds"] = [src.settings.get("url") for src in sources if src.network == "rss"]
        out["sources"] = [
            {
                "id": src.id,
                "network": src.network,
                "search": {k: v for k, v in src.settings.items() if k in ("q", "hashtag", "query", "url")},
                "last_success_at": iso(src.last_success_at),
                "last_error": src.last_error,
                "next_poll_at": iso(src.next_poll_at),
                "stored": src.items_stored,
            }
            for src in sources
        ]
    return out


def _alerts(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {"volume": True, "negative_share": None, "keyword": None}
    if not isinstance(raw, dict):
        raise Invalid(N_("alerts must be an object"), "alerts")
    share = raw.get("negative_share")
    if share is not None and (
        isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1
    ):
        raise Invalid(N_("negative_share must be a fraction between 0 and 1"), "alerts.negative_share")
    keyword = raw.get("keyword")
    if keyword is not None and (not isinstance(keyword, str) or len(keyword) > 100):
        raise Invalid(N_("keyword must be text of at most 100 characters"), "alerts.keyword")
    return {
        "volume": bool(raw.get("volume", True)),
        "negative_share": share,
        "keyword": (keyword or "").strip() or None,
    }


def validate(body: dict[str, Any]) -> dict[str, Any]:
    """Check a stream as posted; Invalid names the field a person has to fix."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise Invalid(N_("name is required (at most 120 characters)"), "name")
    tag = body.get("tag", "brand")
    if tag not in TAGS:
        raise Invalid(N_("tag must be one of %(choices)s"), "tag", choices=", ".join(TAGS))
    try:
        query = StreamQuery.from_dict(body.get("query") or {})
    except PayloadError as exc:
        raise Invalid(exc.message, exc.field) from None
    networks = body.get("networks", ["x", "mastodon", "bluesky", "reddit"])
    if not isinstance(networks, list) or any(n not in NETWORKS or n == "rss" for n in networks):
        choices = ", ".join(n for n in NETWORKS if n != "rss")
        raise Invalid(N_("networks must be a list of %(choices)s"), "networks", choices=choices)
    feeds = body.get("feeds") or []
    if not isinstance(feeds, list) or len(feeds) > MAX_FEEDS:
        raise Invalid(N_("feeds must be a list of at most %(max_feeds)s URLs"), "feeds", max_feeds=MAX_FEEDS)
    for url in feeds:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise Invalid(N_("each feed must be an http(s) URL"), "feeds")
    settings = body.get("settings") or {}
    if not isinstance(settings, dict) or any(not isinstance(v, dict) for v in settings.values()):
        raise Invalid(N_("settings must map a network to its settings"), "settings")
    return {
        "name": name.strip(),
        "tag": tag,
        "query": query,
        "networks": list(dict.fromkeys(networks)),
        "feeds": list(dict.fromkeys(feeds)),
        "settings": settings,
        "alerts": _alerts(body.get("alerts")),
        "enabled": bool(body.get("enabled", True)),
    }


def plan_sources(
    query: StreamQuery, networks: list[str], feeds: list[str], settings: dict
) -> list[tuple[str, dict]]:
    """(network, settings) for every search the stream runs; `settings[network]` adds e.g. base_url."""
    out: list[tuple[str, dict]] = []
    for net in networks:
        extra = dict(settings.get(net) or {})
        if net == "x":
            out.append((net, {**extra, "query": query.x_query()}))
        elif net == "reddit":
            out.append((net, {**extra, "q": query.reddit_query()}))
        elif net == "mastodon":
            out += [(net, {**extra, "hashtag": h}) for h in query.hashtags]
            out += [(net, {**extra, "q": t}) for t in query.search_terms()]
        elif net == "bluesky":
            out += [
                (net, {**extra, "q": t}) for t in (*query.search_terms(), *(f"#{h}" for h in query.hashtags))
            ]
    out += [("rss", {**(settings.get("rss") or {}), "url": url}) for url in feeds]
    return out


def _credentials(s: Session, team_id: int, network: str) -> int | None:
    """A connected account of the network (the team's first, else any) lends its tokens to search."""
    rows = s.execute(
        select(ChannelAccount.id, ChannelAccount.team_id)
        .where(ChannelAccount.kind == network, ChannelAccount.enabled.is_(True))
        .order_by(ChannelAccount.id)
    ).all()
    mine = [r.id for r in rows if r.team_id == team_id]
    return (mine or [r.id for r in rows] or [None])[0]


def _team(s: Session, agent: Agent, team_id: Any) -> int:
    if team_id is None:
        if agent.team_ids:
            return sorted(agent.team_ids)[0]
        first = s.scalar(select(Team.id).order_by(Team.id))
        if first is None:
            raise Invalid(N_("create a team first"), "team_id")
        return first
    if isinstance(team_id, bool) or not isinstance(team_id, int) or s.get(Team, team_id) is None:
        raise Invalid(N_("team_id must name a team"), "team_id")
    return team_id


def _write_sources(s: Session, st: ListeningStream, v: dict[str, Any]) -> None:
    for old in s.scalars(select(ListeningSource).where(ListeningSource.stream_id == st.id)):
        s.delete(old)
    s.flush()
    for network, settings in plan_sources(v["query"], v["networks"], v["feeds"], v["settings"]):
        s.add(
            ListeningSource(
                stream_id=st.id,
                network=network,
                settings=settings,
                channel_account_id=None if network == "rss" else _credentials(s, st.team_id, network),
                poll_state={},
            )
        )


def create_stream(inbox: Inbox, agent_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Save a new stream and its sources; it is polled from the next scheduler tick."""
    v = validate(body)
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = manager(s, agent_id)
        st = ListeningStream(
            team_id=_team(s, agent, body.get("team_id")),
            name=v["name"],
            tag=v["tag"],
            query=v["query"].to_dict(),
            alerts=v["alerts"],
            enabled=v["enabled"],
            created_at=now,
            updated_at=now,
        )
        s.add(st)
        s.flush()
        _write_sources(s, st, v)
        s.flush()
        return stream_dict(st, _sources(s, st.id))


def update_stream(inbox: Inbox, agent_id: int, stream_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Replace a stream's name, tag, query, networks, feeds and alert rules."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        manager(s, agent_id)
        st = s.get(ListeningStream, stream_id)
        if st is None:
            raise NotFound(N_("stream not found"))
        current = stream_dict(st, _sources(s, st.id))
        v = validate({"networks": current["networks"], "feeds": current["feeds"], **current, **body})
        st.name, st.tag, st.alerts, st.enabled = v["name"], v["tag"], v["alerts"], v["enabled"]
        rebuild = (
            v["query"].to_dict() != st.query
            or v["networks"] != current["networks"]
            or v["feeds"] != current["feeds"]
        )
        st.query = v["query"].to_dict()
        st.updated_at = inbox.clock()
        if rebuild or body.get("settings"):
            _write_sources(s, st, v)
        s.flush()
        return stream_dict(st, _sources(s, st.id))


def delete_stream(inbox: Inbox, agent_id: int, stream_id: int) -> None:
    """Remove a stream; mentions it alone found stay (other streams or conversations may need them)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        manager(s, agent_id)
        st = s.get(ListeningStream, stream_id)
        if st is None:
            raise NotFound(N_("stream not found"))
        for src in _sources(s, stream_id):
            s.delete(src)
        s.flush()
        s.delete(st)


def _sources(s: Session, stream_id: int) -> list[ListeningSource]:
    return list(
        s.scalars(
            select(ListeningSource).where(ListeningSource.stream_id == stream_id).order_by(ListeningSource.id)
        )
    )


def list_streams(inbox: Inbox, agent_id: int) -> list[dict[str, Any]]:
    """Every stream, oldest first, with its sources' health."""
    with inbox.read() as s:
        manager(s, agent_id)
        streams = list(s.scalars(select(ListeningStream).order_by(ListeningStream.id)))
        return [stream_dict(st, _sources(s, st.id)) for st in streams]


def get_stream(inbox: Inbox, agent_id: int, stream_id: int) -> dict[str, Any]:
    """One stream with its sources."""
    with inbox.read() as s:
        manager(s, agent_id)
        st = s.get(ListeningStream, stream_id)
        if st is None:
            raise NotFound(N_("stream not found"))
        return stream_dict(st, _sources(s, st.id))


def check_access(agent: Agent) -> None:
    """Listening is for supervisors and admins."""
    if agent.role not in MANAGERS:
        raise Forbidden(N_("listening needs the role supervisor or admin"))
