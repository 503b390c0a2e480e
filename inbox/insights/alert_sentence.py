"""Spike alerts as a sentence a person can read, naming where and how unusual.

"Negative mentions on X are 30x the usual rate (15 in 5 minutes, usually 0.5)" instead of a
p-value. The words and the values are also returned apart (`template`, `args`), so a page can
show the same sentence in the reader's language (the template is the msgid).
"""

from __future__ import annotations

from typing import Any

from inbox.store.errors import N_

NETWORK_NAMES = {
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "reddit": "Reddit",
    "rss": N_("RSS feeds"),
    "email": N_("e-mail"),
    "telegram": "Telegram",
    "meta": N_("Facebook and Instagram"),
    "webhook": N_("webhooks"),
    "demo": N_("the demo channel"),
}

TEMPLATES = {
    "negative": "Negative mentions on {where} are {ratio}x the usual rate ({count} in {period}, usually {usual})",
    "volume": "Mentions on {where} are {ratio}x the usual rate ({count} in {period}, usually {usual})",
    "keyword": "Mentions of “{keyword}” on {where} are {ratio}x the usual rate ({count} in {period}, usually {usual})",
    "negative_share": "{share}% of mentions on {where} are negative ({count} of {total} in {period})",
}


def period_parts(seconds: int) -> tuple[int, str]:
    """(5, "minute"), (1, "hour"), (2, "day"): the period in its largest whole unit."""
    if seconds % 86400 == 0:
        return seconds // 86400, "day"
    if seconds % 3600 == 0:
        return seconds // 3600, "hour"
    return max(1, round(seconds / 60)), "minute"


def period(seconds: int) -> str:
    """5 minutes, 1 hour, 2 hours, 1 day (English; `inbox.mail.words.period_text` says it in others)."""
    n, unit = period_parts(seconds)
    return f"{n} {unit}" + ("" if n == 1 else "s")


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x < 10 else f"{x:.0f}"


def sentence(kind: str, where: str, count: int, seconds: int, usual: float, **extra: Any) -> dict[str, Any]:
    """{"sentence", "template", "args"} for one alert; `usual` is the per-bucket baseline."""
    ratio = count / usual if usual > 0 else float(count)
    args = {
        "where": where,
        "count": count,
        "period": period(seconds),
        "seconds": seconds,  # so a reader's language can say the period with its own plural forms
        "usual": _num(usual),
        "ratio": _num(ratio) if ratio < 10 else f"{ratio:.0f}",
        **extra,
    }
    template = TEMPLATES[kind]
    return {"sentence": template.format(**args), "template": template, "args": args}


def for_alert(
    series: str, channel: str, count: int, seconds: int, baseline: float, where: str = ""
) -> dict[str, Any]:
    """The sentence of a stored SpikeAlert: series "negative:<channel>" (channels) or
    "stream:<id>:<kind>" (listening streams, whose name is passed as `where`)."""
    if series.startswith("stream:"):
        kind = series.split(":", 2)[2] if series.count(":") >= 2 else "volume"
        kind = kind if kind in ("negative", "volume") else "volume"
        return sentence(kind, where or f"stream {series.split(':')[1]}", count, seconds, baseline)
    # a channel's name is ours to translate (`where_is_msgid`); a stream's is the name its owner gave it
    return sentence(
        "negative", NETWORK_NAMES.get(channel, channel), count, seconds, baseline, where_is_msgid=True
    )
