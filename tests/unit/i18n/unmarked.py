"""Finds user-visible English that is not marked for translation, in templates and in page scripts.

Templates: the text nodes and the attributes people read (title, placeholder, aria-label, alt, label) of
every template, with Jinja's own tags taken out, must be empty of words unless the words come from `_()`.
Scripts: string literals that reach the page (`text:`/`title:`/`placeholder:`/`aria-label:` of the `el()`
helper, `.textContent =`, `.title =`, `.placeholder =`, `setAttribute("aria-label" | "title", ...)`,
`toast(...)`, `confirm(...)`, `alert(...)`) must be inside `t(...)`/`nt(...)`. Names, data and brand
names are not marked (ALLOWED).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "web" / "templates"
SCRIPTS = ROOT / "web" / "static" / "js"

#: Brand names, protocols and abbreviations that every language writes the same way.
ALLOWED = {
    "Murmur",
    "CSV",
    "VIP",
    "CSAT",
    "NPS",
    "URL",
    "API",
    "UTC",
    "HTTP",
    "JSON",
    "CLV",
    "RFM",
    "HMAC",
    "SMTP",
    "IMAP",
    "SLA",
    "OK",
    "ID",
    "Ctrl",
    "Enter",
    "Esc",
    "Tab",
    "GET",
    "POST",
    "Bearer",
    "Mastodon",
    "Bluesky",
    "Reddit",
    "Telegram",
    "Facebook",
    "Instagram",
    "WhatsApp",
    "Weibo",
    "Pantip",
    "LINE",
    "RSS",
    "Ma",
    "Bs",
    "Rd",
    "Tg",
    "Rs",
    "Me",
    "Fb",
    "Ig",
    "Wa",
    "Wh",
    "De",
    "Wb",
    "Ln",
    "Pt",
    "PNG",
    "PDF",
    "Socket.IO",
    # a language is named in its own words in language pickers (English, 中文, ไทย), never translated
    "English",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
BODY_CLASS = re.compile(r"\{% block body_class %\}.*?\{% endblock %\}", re.S)
READ_ATTRS = {"title", "placeholder", "aria-label", "alt", "label", "aria-description"}
QUIET_TAGS = {"script", "style", "code", "kbd", "pre", "svg"}


def english(text: str) -> list[str]:
    """The words of `text` a reader would see as English (allowed names and example URLs taken out)."""
    text = re.sub(r"https?://\S+", " ", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED]


class _Template(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col"}:
            self.open.append(tag)
        for name, value in attrs:
            if name in READ_ATTRS and value and english(value.replace("\ue000", " ")):
                self.found.append(f"{tag}[{name}]: {value.strip()!r}")

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if any(t in QUIET_TAGS for t in self.open):
            return
        if english(data.replace("\ue000", " ")):
            self.found.append(f"text: {' '.join(data.split())!r}")


def unmarked_in_template(source: str) -> list[str]:
    """What a reader would see in English from this template's own text (not from `_()`)."""
    parser = _Template()
    source = BODY_CLASS.sub("", source)  # class names, not text
    parser.feed(JINJA.sub("\ue000", source))
    parser.close()
    return parser.found


_LITERAL = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`""", re.S
)
_SINK = re.compile(
    r"""(?:\btext|\btitle|\bplaceholder|["']aria-label["']|\blabel|\balt)\s*:\s*[^;{}]*$"""
    r"""|\.(?:textContent|innerText|title|placeholder|alt)\s*=\s*[^;{}]*$"""
    r"""|setAttribute\(\s*["'](?:aria-label|title|placeholder|alt)["']\s*,\s*[^;{}]*$"""
    r"""|\b(?:toast|confirm|alert|prompt|say|status|notify|connection)\s*\([^;{}]*$""",
)
_MARKED = re.compile(r"\bn?t\(\s*$")


def _visible(literal: str) -> bool:
    body = literal[1:-1]
    if literal.startswith("`"):
        body = re.sub(r"\$\{[^}]*\}", " ", body)
    words = english(body)
    if not words:
        return False
    # identifiers, CSS classes, event names and keys are single lower-case tokens; people read sentences
    return " " in body.strip() or bool(re.match(r"[A-Z][a-z]", body.strip()))


def unmarked_in_script(source: str) -> list[str]:
    """String literals of a page script that reach the page without passing through `t()`/`nt()`."""
    found = []
    for m in _LITERAL.finditer(source):
        literal = m.group(0)
        if literal.startswith("`") and re.search(r"\$\{[^}]*\bn?t\(", literal):
            line = source.count("\n", 0, m.start()) + 1
            found.append(f"line {line}: t() inside a template literal is not extracted: {literal[:60]}")
            continue
        if literal.startswith("/") or not _visible(literal):
            continue
        before = source[max(0, m.start() - 160) : m.start()]
        before = (
            before.split("\n")[-1]
            if "\n" in before and not before.rstrip().endswith(("(", ",", "?", ":", "+"))
            else before
        )
        if _MARKED.search(before):
            continue
        if _SINK.search(before):
            line = source.count("\n", 0, m.start()) + 1
            found.append(f"line {line}: {literal}")
    return found


def report() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES.glob("*.html")):
        if found := unmarked_in_template(path.read_text(encoding="utf-8")):
            out[str(path.relative_to(ROOT))] = found
    for path in sorted(SCRIPTS.glob("*.js")):
        if found := unmarked_in_script(path.read_text(encoding="utf-8")):
            out[str(path.relative_to(ROOT))] = found
    return out


if __name__ == "__main__":
    for file, found in report().items():
        for item in found:
            print(f"{file}: {item}")
