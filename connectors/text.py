"""HTML to plain text for the `text` field; the original HTML travels separately.

Sanitizing HTML for display is the inbox's job; here we only need readable text
for scoring and search, so a tolerant stdlib parser is enough.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

_BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}
_SKIP = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Visible text of `markup`, paragraphs on their own lines, scripts dropped."""
    if not markup:
        return ""
    parser = _Text()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # malformed markup: fall back to unescaped source rather than lose the message
        return html.unescape(markup)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)
