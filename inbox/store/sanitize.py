"""Social content is untrusted HTML: everything shown to an agent passes through here."""

from __future__ import annotations

import nh3

_TAGS = {"a", "b", "strong", "i", "em", "u", "p", "br", "ul", "ol", "li", "blockquote", "code", "pre", "span"}
_ATTRS = {"a": {"href", "title"}}


def sanitize_html(html: str | None) -> str | None:
    """Keep harmless formatting and links; drop scripts, handlers, styles and images.

    Images become nothing here (the UI shows their links from the text); `javascript:` and
    other non-web schemes are removed by ammonia's URL scheme allow-list.
    """
    if html is None:
        return None
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
    )
