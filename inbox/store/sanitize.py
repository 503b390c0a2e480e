"""Social content is untrusted HTML: everything shown to an agent passes through here."""

from __future__ import annotations

import nh3

_TAGS = {
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "span",
    "img",
}
_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt"}}


def _only_stored_images(tag: str, attribute: str, value: str) -> str | None:
    """An image keeps its source only as a reference to an e-mail part (`cid:`), which the inbox
    points at the stored attachment; a remote image (a tracking pixel, a hot-link) loses it."""
    if tag == "img" and attribute == "src" and not value.lower().startswith("cid:"):
        return None
    return value


def sanitize_html(html: str | None) -> str | None:
    """Keep harmless formatting and links; drop scripts, handlers and styles.

    Images stay only as references to the message's own attachments (`cid:`); `javascript:`
    and other non-web schemes are removed by ammonia's URL scheme allow-list.
    """
    if html is None:
        return None
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https", "mailto", "cid"},
        attribute_filter=_only_stored_images,
        link_rel="noopener noreferrer nofollow ugc",
    )
