"""Listening streams, their feed, promotion and the summary the dashboard reads: thin views over
inbox.listening. Supervisors and admins only (the services check the role)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from inbox.listening import feed as feed_svc
from inbox.listening import polling, promotion
from inbox.listening import streams as svc
from inbox.store.models import ListeningStream
from web.api import endpoint, json_body, parse, query
from web.api.validation import ColumnStr, Id, QueryModel, Time
from web.auth import inbox

Term = Annotated[str, Field(max_length=100)]
Terms = list[Term] | None


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keywords: Annotated[Terms, Field(max_length=25)] = None
    hashtags: Annotated[Terms, Field(max_length=25)] = None
    phrases: Annotated[Terms, Field(max_length=25)] = None
    exclusions: Annotated[Terms, Field(max_length=25)] = None
    languages: Annotated[list[Annotated[str, Field(max_length=12)]] | None, Field(max_length=25)] = None


class AlertsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume: bool = True
    negative_share: float | None = Field(default=None, gt=0, le=1)
    keyword: Annotated[str, Field(max_length=100)] | None = None


Network = Literal["x", "mastodon", "bluesky", "reddit"]


class StreamIn(BaseModel):
    """A stream as the form sends it: what to listen for, where, and when to alert."""

    model_config = ConfigDict(extra="forbid")
    name: ColumnStr(ListeningStream.name, 1) | None = None  # type: ignore[valid-type]
    tag: Literal["brand", "product", "competitor"] | None = None
    team_id: Id | None = None
    query: QueryIn | None = None
    networks: Annotated[list[Network], Field(max_length=4)] | None = None
    feeds: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=10)] | None = None
    settings: (
        dict[Network | Literal["rss"], dict[str, Annotated[str | int | float | bool, Field()]]] | None
    ) = None
    alerts: AlertsIn | None = None
    enabled: bool | None = None


class FeedQuery(QueryModel):
    stream: Id | None = None
    tag: Literal["brand", "product", "competitor"] | None = None
    sentiment: Literal["positive", "neutral", "negative"] | None = None
    language: Annotated[str, Field(max_length=12)] | None = None
    since: Time | None = Field(default=None, description="received at or after (ISO 8601)")
    until: Time | None = Field(default=None, description="received before (ISO 8601)")
    before: Id | None = Field(default=None, description="page on: mentions with a smaller id")
    limit: int = Field(default=50, ge=1, le=feed_svc.MAX_PAGE)


class SummaryQuery(QueryModel):
    since: Time = Field(description="ISO 8601 date or date-time (UTC when no offset)")
    until: Time = Field(description="ISO 8601, exclusive")
    stream: Id | None = None


def _body() -> dict[str, Any]:
    data = parse(StreamIn, json_body())
    return data.model_dump(exclude_none=True)


@endpoint("/listening/streams", ["GET"], "List listening streams with their sources' health")
def list_streams() -> Any:
    """Every stream, with the searches it runs on each network and their last poll."""
    return jsonify({"streams": svc.list_streams(inbox(), g.agent_id)})


@endpoint("/listening/streams", ["POST"], "Create a listening stream", body=StreamIn, status=201)
def create_stream() -> Any:
    """Keywords, hashtags and phrases (any one matches), exclusions and languages; a tag."""
    return jsonify(svc.create_stream(inbox(), g.agent_id, _body())), 201


@endpoint("/listening/streams/<int:stream_id>", ["GET"], "One listening stream")
def get_stream(stream_id: int) -> Any:
    return jsonify(svc.get_stream(inbox(), g.agent_id, stream_id))


@endpoint("/listening/streams/<int:stream_id>", ["PATCH"], "Change a listening stream", body=StreamIn)
def update_stream(stream_id: int) -> Any:
    """Fields left out keep their values; a changed query starts its searches afresh."""
    return jsonify(svc.update_stream(inbox(), g.agent_id, stream_id, _body()))


@endpoint("/listening/streams/<int:stream_id>", ["DELETE"], "Delete a listening stream", status=204)
def delete_stream(stream_id: int) -> Any:
    svc.delete_stream(inbox(), g.agent_id, stream_id)
    return "", 204


@endpoint("/listening/preview", ["POST"], "Which recent mentions a query would match", body=StreamIn)
def preview() -> Any:
    """The form's live preview: stored mentions (any stream's) that this query matches."""
    return jsonify(feed_svc.preview(inbox(), g.agent_id, _body()))


@endpoint("/listening/streams/<int:stream_id>/poll", ["POST"], "Search now")
def poll_now(stream_id: int) -> Any:
    """Run every search of the stream now (never before a network's rate-limit reset)."""
    svc.get_stream(inbox(), g.agent_id, stream_id)
    reports = polling.poll_stream(inbox(), stream_id, force=True)
    return jsonify({"sources": [r.__dict__ for r in reports]})


@endpoint("/listening/mentions", ["GET"], "The listening feed, newest first", query=FeedQuery)
def mentions() -> Any:
    q = query(FeedQuery)
    return jsonify(
        feed_svc.feed(
            inbox(),
            g.agent_id,
            stream=q.stream,
            tag=q.tag,
            sentiment=q.sentiment,
            language=q.language,
            since=q.since,
            until=q.until,
            before=q.before,
            limit=q.limit,
        )
    )


@endpoint("/listening/mentions/<int:mention_id>/promote", ["POST"], "Promote a mention to a conversation")
def promote(mention_id: int) -> Any:
    """The mention and its author's earlier mentions become one conversation in the agents' queue."""
    feed_svc.check(inbox(), g.agent_id)
    return jsonify(promotion.promote(inbox(), mention_id, f"agent:{g.agent_id}"))


@endpoint("/listening/summary", ["GET"], "Mentions and sentiment per stream, and per day", query=SummaryQuery)
def summary() -> Any:
    """For the dashboard: share of voice is a stream's `mentions` over those of brand and competitor streams."""
    q = query(SummaryQuery)
    return jsonify(feed_svc.summary(inbox(), g.agent_id, q.since, q.until, q.stream))


@endpoint("/listening/alerts", ["GET"], "The streams' recent alerts, each as a sentence")
def stream_alerts() -> Any:
    """Newest first; `link` opens the feed on the stream and the minutes that were unusual."""
    return jsonify({"alerts": feed_svc.recent_alerts(inbox(), g.agent_id)})
