"""A computed digest rendered three ways: an e-mail (plain text + HTML with the charts as inline PNG
images) and a PDF with the same figures, text and charts.

Every string a reader sees is an English msgid translated through the `translations` given
(gettext-style; English when none): the e-mail's templates mark theirs with `_()` as the web pages
do. Data (names, channels, message text) is never translated and, in HTML, always escaped by
Jinja's autoescape: a customer's post is text in the digest, never markup.

The PDF is made with fpdf2 (pure Python, on PyPI, actively kept): it embeds subsets of the same
TrueType fonts the charts use with per-glyph fallback (Latin, then CJK, then Thai) and shapes Thai
with HarfBuzz (uharfbuzz), needs no system library (WeasyPrint needs Pango; ReportLab has neither
font fallback nor shaping), and writes a ToUnicode map so the text can be searched and copied.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from inbox.insights.digest import charts
from inbox.insights.digest.figures import Figure, Period
from inbox.mail.send import compose
from inbox.mail.words import Reader, date_text, number_text
from inbox.store.errors import N_

# the week's dates, in the manager's time zone (named, so a reader abroad knows which days)
PERIOD = N_("From %(start)s to %(end)s (%(timezone)s).")

# figures whose first table column is a msgid (a sentiment or stage name), not data
_TRANSLATED_FIRST_COLUMN = {"sentiment", "funnel"}


@dataclass(frozen=True)
class Digest:
    """One manager's digest for one period, computed, not yet rendered."""

    agent_id: int
    manager: str
    email: str
    period: Period
    figures: tuple[Figure, ...]
    lang: str = "en"
    images: dict[str, bytes] = field(default_factory=dict, compare=False)
    timezone: str = "UTC"  # the manager's: the week runs Monday to Monday there
    buddhist_era: bool | None = None

    @property
    def reader(self) -> Reader:
        return Reader(self.lang or "en", self.timezone or "UTC", self.buddhist_era)

    @property
    def week_label(self) -> str:
        return self.period.start.date().isoformat()


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("inbox.insights.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=False,
    )
    return env


def _tr(translations: gettext.NullTranslations | None) -> gettext.NullTranslations:
    return translations or gettext.NullTranslations()


def chart_images(d: Digest, translations: gettext.NullTranslations | None = None) -> dict[str, bytes]:
    """PNG bytes per figure key, for the figures that have a chart (drawn once, used by mail and PDF)."""
    tr = _tr(translations).gettext
    return {f.key: charts.render_png(f.chart, tr) for f in d.figures if f.chart is not None}


def _numbers(values: dict[str, Any], reader: Reader) -> dict[str, Any]:
    """A sentence's numbers with the reader's grouping and decimal signs (1,234 / 1.234,5); text as is."""
    return {
        k: number_text(v, reader) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in values.items()
    }


def _context(d: Digest, tr: gettext.NullTranslations, images: dict[str, bytes], link: str | None) -> dict:
    reader = d.reader
    last_day = date_text((d.period.end - timedelta(days=1)).date(), reader)
    figures = []
    for f in d.figures:
        lines = tuple((msgid, _numbers(values, reader)) for msgid, values in f.lines)
        alt = tr.gettext(f.title)
        if lines:
            msgid, values = lines[0]
            alt += ": " + (tr.gettext(msgid) % values if values else tr.gettext(msgid))
        figures.append(
            {
                "key": f.key,
                "title": f.title,
                "lines": lines,
                "header": f.header,
                "rows": f.rows,
                "image_cid": f"digest-{f.key}" if f.key in images else None,
                "alt": alt,
                "translate_first": f.key in _TRANSLATED_FIRST_COLUMN,
            }
        )
    return {
        "manager": d.manager,
        "start": date_text(d.period.start.date(), reader),
        "end": last_day,
        "timezone": d.timezone or "UTC",
        "figures": figures,
        "lang": reader.tag,
        "link": link,
        "subject": subject(d, tr),
    }


def subject(d: Digest, tr: gettext.NullTranslations | None = None) -> str:
    start = date_text(d.period.start.date(), d.reader)
    return _tr(tr).gettext("Murmur weekly digest, week of %(start)s") % {"start": start}


def render_text_and_html(
    d: Digest,
    images: dict[str, bytes],
    translations: gettext.NullTranslations | None = None,
    link: str | None = None,
) -> tuple[str, str]:
    """The plain text and the HTML of the e-mail (the HTML refers to images by content id)."""
    tr = _tr(translations)
    env = _env().overlay()
    env.install_gettext_translations(tr, newstyle=True)  # type: ignore[attr-defined]
    ctx = _context(d, tr, images, link)
    return env.get_template("digest.txt").render(ctx), env.get_template("digest.html").render(ctx)


def render_mail(
    d: Digest,
    sender: str,
    translations: gettext.NullTranslations | None = None,
    link: str | None = None,
    images: dict[str, bytes] | None = None,
) -> EmailMessage:
    """The e-mail: text, then HTML with each chart as an inline PNG part (multipart/related).

    The Message-ID is derived from (manager, week): should a retry ever resend a digest the
    receiving side already has, mail clients show it once."""
    images = chart_images(d, translations) if images is None else images
    text, html = render_text_and_html(d, images, translations, link)
    domain = sender.rpartition("@")[2] or "murmur.local"
    msg = compose(
        sender,
        d.email,
        subject(d, translations),
        text,
        html=html,
        language=d.reader.tag,
        message_id=f"<digest-{d.agent_id}-{d.week_label}@{domain}>",
    )
    html_part = msg.get_payload()[1]
    for key, png in images.items():
        html_part.add_related(
            png, "image", "png", cid=f"<digest-{key}>", filename=f"{key}.png", disposition="inline"
        )
    return msg


def render_pdf(
    d: Digest, translations: gettext.NullTranslations | None = None, images: dict[str, bytes] | None = None
) -> bytes:
    """The digest as a PDF (A4): the same titles, sentences, tables and chart images as the mail."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    tr = _tr(translations)
    images = chart_images(d, translations) if images is None else images
    ctx = _context(d, tr, images, None)
    pdf = FPDF(format="A4")
    pdf.set_title(ctx["subject"])
    pdf.set_creator("Murmur")
    text = _all_text(ctx, tr)
    # Latin-1 text needs no embedded font at all (the PDF's own Helvetica): a tenth of the time
    files = {} if all(ord(ch) < 256 for ch in text) else _fonts_for(text, charts.font_files())
    for role, (path, index) in files.items():
        pdf.add_font(role, fname=path, collection_font_number=index)
    base = "latin" if "latin" in files else "helvetica"
    fallbacks = [r for r in ("cjk", "thai") if r in files]
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    if "thai" in files:
        pdf.set_text_shaping(True)  # HarfBuzz: Thai vowels and tone marks placed right (uharfbuzz)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: float = 10, gap: float = 2) -> None:
        pdf.set_font(base, size=size)
        pdf.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(tr.gettext("Weekly digest for %(name)s") % {"name": d.manager}, 16, 1)
    para(tr.gettext(PERIOD) % {"start": ctx["start"], "end": ctx["end"], "timezone": ctx["timezone"]}, 9, 4)
    for f in ctx["figures"]:
        para(tr.gettext(f["title"]), 13, 1)
        for msgid, values in f["lines"]:
            para(tr.gettext(msgid) % values if values else tr.gettext(msgid))
        if f["key"] in images:
            pdf.image(io.BytesIO(images[f["key"]]), w=width, alt_text=f["alt"])
            pdf.ln(2)
        if f["rows"]:
            pdf.set_font(base, size=9)
            # headings in the regular face, shaded: one font file per script is embedded, no bold
            heading = FontFace(emphasis="", fill_color=(236, 239, 244))
            with pdf.table(text_align="LEFT", first_row_as_headings=True, headings_style=heading) as table:
                table.row([tr.gettext(h) for h in f["header"]])
                for row in f["rows"]:
                    cells = list(row)
                    if f["translate_first"]:
                        cells[0] = tr.gettext(cells[0])
                    table.row([str(c) for c in cells])
            pdf.ln(3)
    return bytes(pdf.output())


def _all_text(ctx: dict[str, Any], tr: gettext.NullTranslations) -> str:
    """Every character the PDF will print (titles, sentences, tables), to choose its fonts."""
    parts = [ctx["manager"], ctx["subject"]]
    for f in ctx["figures"]:
        parts.append(tr.gettext(f["title"]))
        parts += [tr.gettext(m) for m, _ in f["lines"]] + [
            str(v) for _, vs in f["lines"] for v in vs.values()
        ]
        parts += [tr.gettext(h) for h in f["header"]] + [str(c) for row in f["rows"] for c in row]
    return "".join(parts)


@lru_cache(maxsize=1)
def _latin_cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, fontNumber=index, lazy=True).getBestCmap())


def _fonts_for(text: str, files: dict[str, tuple[str, int]]) -> dict[str, tuple[str, int]]:
    """The fonts this text needs: always the Latin one; the CJK and Thai ones only when a
    character is missing from it. Loading and subsetting the 20 MB CJK collection is most of a
    PDF's cost, and most weeks of an English-speaking brand have no CJK character at all."""
    if "latin" not in files:
        return files
    have = _latin_cmap(*files["latin"])
    missing = {ch for ch in set(text) if ord(ch) not in have and not ch.isspace()}
    out = {"latin": files["latin"]}
    if "thai" in files and any("\u0e00" <= ch <= "\u0e7f" for ch in missing):
        out["thai"] = files["thai"]
    if "cjk" in files and any(not ("\u0e00" <= ch <= "\u0e7f") for ch in missing):
        out["cjk"] = files["cjk"]
    return out
