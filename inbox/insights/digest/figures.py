"""The figures a digest can carry, each under a stable key a manager picks in the settings form.

A figure is computed from the database for one period and comes back as plain data: a title,
sentences with their numbers, a table and optionally a chart, all with English msgids that the
renderer translates, so the same figure renders as e-mail, as PDF and in any language. Other
features add their own figures with `register` (listening streams add `stream:<id>` keys through
`register_provider`, which is asked for the keys that exist at the time).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.insights.analytics.lifecycle import FUNNEL, Stage, StageEntry, funnel
from inbox.insights.analytics.surveys import csat, nps
from inbox.store.models import Conversation, Customer, Direction, LifecycleTransition, Message, SurveyResponse


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker: extracted, translated later
    return msgid


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def days(self) -> list[datetime]:
        out, day = [], self.start
        while day < self.end:
            out.append(day)
            day += timedelta(days=1)
        return out


@dataclass(frozen=True)
class Chart:
    """`series` is ((name, values), ...) over `categories`; names and axis labels are msgids unless
    `literal` (then they are data: channel names, customer names)."""

    kind: str  # "bar" (grouped), "stacked", "hbar"
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    x_label: str = ""
    y_label: str = ""
    literal_series: bool = False
    literal_categories: bool = True


@dataclass(frozen=True)
class Figure:
    key: str
    title: str  # msgid
    lines: tuple[tuple[str, dict[str, Any]], ...] = ()  # (msgid with %(name)s, values)
    header: tuple[str, ...] = ()  # msgids
    rows: tuple[tuple[str, ...], ...] = ()  # data, rendered as text
    chart: Chart | None = None


@dataclass(frozen=True)
class FigureSpec:
    key: str
    title: str  # msgid
    describe: str  # msgid, shown beside the checkbox in the settings form
    compute: Callable[[Session, Period], Figure] = field(compare=False)


FIGURES: dict[str, FigureSpec] = {}
PROVIDERS: list[Callable[[Session], list[FigureSpec]]] = []


def register(spec: FigureSpec) -> FigureSpec:
    """Add a figure under its key (a later registration of the same key replaces it)."""
    FIGURES[spec.key] = spec
    return spec


def register_provider(provider: Callable[[Session], list[FigureSpec]]) -> None:
    """Add figures whose keys depend on the data (one per listening stream, say)."""
    PROVIDERS.append(provider)


def available(s: Session) -> dict[str, FigureSpec]:
    """Every figure a manager can choose now, in the form's order."""
    out = dict(FIGURES)
    for provider in PROVIDERS:
        out.update({spec.key: spec for spec in provider(s)})
    return out


def _day_key(at: datetime, tz: tzinfo | None = None) -> str:
    """The day of `at` as shown on the chart: in the period's time zone (the manager's), when given."""
    if tz is not None:
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)
    return at.strftime("%m-%d")


def _inbound(s: Session, p: Period, *cols: Any) -> Any:
    return s.execute(
        select(*cols)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == Direction.IN.value,
            Message.created_at >= p.start,
            Message.created_at < p.end,
        )
    )


def volume(s: Session, p: Period) -> Figure:
    days = [_day_key(d) for d in p.days()]
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for at, channel in _inbound(s, p, Message.created_at, Conversation.channel):
        by[channel][_day_key(at, p.start.tzinfo)] += 1
    total = sum(sum(c.values()) for c in by.values())
    series = tuple(
        (ch, tuple(float(by[ch][d]) for d in days)) for ch in sorted(by, key=lambda c: -sum(by[c].values()))
    )
    rows = tuple((ch, str(sum(by[ch].values()))) for ch, _ in series)
    return Figure(
        "volume",
        N_("Messages received"),
        ((N_("%(n)s messages came in this week."), {"n": total}),),
        (N_("Channel"), N_("Messages")),
        rows,
        Chart("stacked", tuple(days), series, y_label=N_("Messages"), literal_series=True) if total else None,
    )


def sentiment(s: Session, p: Period) -> Figure:
    days = [_day_key(d) for d in p.days()]
    counts: dict[str, Counter[str]] = {"positive": Counter(), "neutral": Counter(), "negative": Counter()}
    for at, label in _inbound(s, p, Message.created_at, Message.sentiment_label):
        counts.get(label or "neutral", counts["neutral"])[_day_key(at, p.start.tzinfo)] += 1
    pos, neg = sum(counts["positive"].values()), sum(counts["negative"].values())
    total = pos + neg + sum(counts["neutral"].values())
    net = round(100 * (pos - neg) / total) if total else 0
    names = {"positive": N_("Positive"), "neutral": N_("Neutral"), "negative": N_("Negative")}
    series = tuple((names[k], tuple(float(counts[k][d]) for d in days)) for k in counts)
    return Figure(
        "sentiment",
        N_("Sentiment"),
        (
            (
                N_("Net sentiment was %(net)s (%(pos)s positive, %(neg)s negative of %(n)s)."),
                {"net": net, "pos": pos, "neg": neg, "n": total},
            ),
        ),
        (N_("Sentiment"), N_("Messages")),
        tuple((names[k], str(sum(counts[k].values()))) for k in counts),
        Chart("stacked", tuple(days), series, y_label=N_("Messages")) if total else None,
    )


def lifecycle_funnel(s: Session, p: Period) -> Figure:
    entries = [
        StageEntry(cid, Stage(stage), at)
        for cid, stage, at in s.execute(
            select(
                LifecycleTransition.customer_id, LifecycleTransition.to_stage, LifecycleTransition.at
            ).where(LifecycleTransition.at < p.end)
        )
    ]
    rep = funnel(entries, (p.start, p.end))
    names = {
        Stage.AWARENESS: N_("Awareness"),
        Stage.ENGAGEMENT: N_("Engagement"),
        Stage.CONVERSION: N_("Conversion"),
        Stage.RETENTION: N_("Retention"),
        Stage.LOYALTY: N_("Loyalty"),
    }
    rows = tuple(
        (names[st.stage], str(st.reached), "" if st.conversion is None else f"{st.conversion:.0%}")
        for st in rep.steps
    )
    reached = tuple(float(st.reached) for st in rep.steps)
    return Figure(
        "funnel",
        N_("Lifecycle funnel"),
        (
            (
                N_("%(n)s customers moved between stages; %(churn)s became a churn risk."),
                {"n": rep.steps[0].reached if rep.steps else 0, "churn": rep.churn_risk_entered},
            ),
        ),
        (N_("Stage"), N_("Reached"), N_("Conversion")),
        rows,
        Chart(
            "bar",
            tuple(names[st] for st in FUNNEL),
            ((N_("Reached"), reached),),
            y_label=N_("Customers"),
            literal_categories=False,
        )
        if any(reached)
        else None,
    )


def top_customers(s: Session, p: Period) -> Figure:
    top = s.execute(
        select(Customer.id, Customer.name, Customer.email, Customer.clv)
        .where(Customer.merged_into_id.is_(None), Customer.clv > 0)
        .order_by(Customer.clv.desc(), Customer.id)
        .limit(5)
    ).all()
    names = tuple((r.name or r.email or f"#{r.id}")[:40] for r in top)
    return Figure(
        "top_customers",
        N_("Most valuable customers"),
        (),
        (N_("Customer"), N_("Value (CLV)")),
        tuple((n, f"{r.clv:,.2f}") for n, r in zip(names, top, strict=True)),
        Chart("hbar", names, ((N_("Value (CLV)"), tuple(float(r.clv) for r in top)),)) if top else None,
    )


def surveys(s: Session, p: Period) -> Figure:
    answers = s.execute(
        select(SurveyResponse.kind, SurveyResponse.rating).where(
            SurveyResponse.answered_at >= p.start,
            SurveyResponse.answered_at < p.end,
            SurveyResponse.rating.is_not(None),
        )
    ).all()
    c = csat([r for k, r in answers if k == "csat"])
    n = nps([r for k, r in answers if k == "nps"])
    lines = []
    if c.score is not None:
        lines.append(
            (N_("CSAT was %(score)s%% from %(n)s answers."), {"score": round(c.score), "n": c.responses})
        )
    if n.score is not None:
        lines.append(
            (N_("NPS was %(score)s from %(n)s answers."), {"score": round(n.score), "n": n.responses})
        )
    if not lines:
        lines.append((N_("No survey was answered this week."), {}))
    return Figure("surveys", N_("CSAT and NPS"), tuple(lines))


def negative_mentions(s: Session, p: Period) -> Figure:
    rows = _inbound(s, p, Message.text, Conversation.channel, Message.sentiment, Message.id).all()
    worst = sorted(
        (r for r in rows if r.sentiment is not None and r.sentiment < 0), key=lambda r: (r.sentiment, r.id)
    )
    return Figure(
        "top_negative",
        N_("Most negative messages"),
        () if worst else ((N_("No negative message this week."), {}),),
        (N_("Channel"), N_("Score"), N_("Message")),
        tuple((r.channel, f"{r.sentiment:+.2f}", (r.text or "")[:200]) for r in worst[:5]),
    )


def new_customers(s: Session, p: Period) -> Figure:
    n = s.scalar(
        select(func.count())
        .select_from(Customer)
        .where(Customer.created_at >= p.start, Customer.created_at < p.end)
    )
    return Figure(
        "new_customers", N_("New customers"), ((N_("%(n)s new customers this week."), {"n": n or 0}),)
    )


for _spec in (
    FigureSpec("volume", N_("Messages received"), N_("Messages per day, by channel"), volume),
    FigureSpec(
        "sentiment", N_("Sentiment"), N_("Positive, neutral and negative messages per day"), sentiment
    ),
    FigureSpec(
        "funnel",
        N_("Lifecycle funnel"),
        N_("Customers reaching each stage, with conversion"),
        lifecycle_funnel,
    ),
    FigureSpec(
        "top_customers",
        N_("Most valuable customers"),
        N_("The five customers with the highest CLV"),
        top_customers,
    ),
    FigureSpec("surveys", N_("CSAT and NPS"), N_("Survey scores of the week"), surveys),
    FigureSpec(
        "top_negative", N_("Most negative messages"), N_("The five most negative messages"), negative_mentions
    ),
    FigureSpec("new_customers", N_("New customers"), N_("How many customers were first seen"), new_customers),
):
    register(_spec)

DEFAULT_FIGURES: tuple[str, ...] = tuple(FIGURES)
