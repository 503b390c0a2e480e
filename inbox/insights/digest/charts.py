"""The digest's charts as PNG images, drawn on the server with matplotlib.

Mail clients run no script, so the charts travel as images. Customer names, channels and
translated labels can be Chinese or Thai: matplotlib (3.6+) falls back glyph by glyph through a
list of font families, so the list is DejaVu Sans (Latin), then a CJK font and a Thai font found
on the system (Debian's fonts-noto-cjk and fonts-thai-tlwg, which `scripts/ensure-system.sh`
installs). Only matplotlib's object API is used (no pyplot): no global figure state, no GUI
backend, safe in a scheduler thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache

from inbox.insights.digest.figures import Chart

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
THAI_FAMILIES = ("Noto Sans Thai", "Garuda", "Loma", "Tlwg Typo", "Norasi")
PALETTE = ("#1a56c4", "#ef6c00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a")
SENTIMENT_COLORS = {"Positive": "#2e7d32", "Neutral": "#90a4ae", "Negative": "#c62828"}


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """DejaVu Sans, then the first installed CJK family and Thai family (each may be missing:
    the chart still draws, those characters as boxes, and `missing_scripts` says so)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    out = ["DejaVu Sans"]
    for group in (CJK_FAMILIES, THAI_FAMILIES):
        found = next((name for name in group if name in installed), None)
        if found:
            out.append(found)
    return tuple(out)


@lru_cache(maxsize=1)
def font_files() -> dict[str, tuple[str, int]]:
    """(path, face index in a collection) of the Latin, CJK and Thai fonts the charts use, so the
    PDF embeds the same ones (Noto CJK comes as one .ttc holding each script's face)."""
    from matplotlib import font_manager

    out: dict[str, tuple[str, int]] = {}
    for role, family in zip(("latin", "cjk", "thai"), _roles(), strict=True):
        if family:
            found = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
            out[role] = (str(found), int(getattr(found, "face_index", 0)))
    return out


def _roles() -> tuple[str | None, str | None, str | None]:
    fams = font_families()
    cjk = next((f for f in fams if f in CJK_FAMILIES), None)
    thai = next((f for f in fams if f in THAI_FAMILIES), None)
    return fams[0], cjk, thai


def missing_scripts() -> list[str]:
    """Which of "cjk" and "thai" have no font on this system (so the digest can say so in logs)."""
    _, cjk, thai = _roles()
    return [name for name, fam in (("cjk", cjk), ("thai", thai)) if not fam]


def render_png(chart: Chart, tr: Callable[[str], str], width: float = 7.0, height: float = 3.2) -> bytes:
    """The chart as PNG bytes; `tr` translates msgids (series and axis names that are not data)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context({"font.family": list(font_families()), "font.size": 9, "axes.unicode_minus": False}):
        fig = Figure(figsize=(width, height), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        cats = [c if chart.literal_categories else tr(c) for c in chart.categories]
        names = [n if chart.literal_series else tr(n) for n, _ in chart.series]
        if chart.kind == "hbar":
            values = chart.series[0][1]
            bars = ax.barh(cats[::-1], values[::-1], color=PALETTE[0])
            ax.bar_label(bars, fmt="{:,.0f}", padding=3)
            ax.set_xlabel(tr(chart.series[0][0]))
            ax.margins(x=0.15)
        elif chart.kind == "stacked":
            bottom = [0.0] * len(cats)
            for i, ((raw, values), name) in enumerate(zip(chart.series, names, strict=True)):
                color = SENTIMENT_COLORS.get(raw, PALETTE[i % len(PALETTE)])
                ax.bar(cats, values, bottom=bottom, label=name, color=color)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(4, len(names)))
            ax.margins(y=0.25)
        else:
            bars = ax.bar(cats, chart.series[0][1], color=PALETTE[0], label=names[0])
            ax.bar_label(bars, fmt="{:,.0f}", padding=2)
            ax.margins(y=0.15)
        if chart.kind != "hbar":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if chart.y_label:
            ax.set_ylabel(tr(chart.y_label))
        if chart.x_label:
            ax.set_xlabel(tr(chart.x_label))
        ax.spines[["top", "right"]].set_visible(False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
