"""Evaluation of the scorers on a labeled file: pure functions, the CLI only prints.

A labeled file is CSV or TSV (chosen by the header line) with columns `text`,
`label` and optional `lang`. `label` is positive/neutral/negative (also pos,
neu, neg), or a number: a rating, mapped to a label by its sign after centring
on the scale's midpoint (1-5 stars: 3 is neutral; -4..4: 0 is neutral), and
kept for Pearson r against the compound.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sentiment.types import Score

LABELS = ("negative", "neutral", "positive")
_ALIASES = {"pos": "positive", "neu": "neutral", "neg": "negative", "positive": "positive",
            "neutral": "neutral", "negative": "negative", "q": "neutral"}  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One labeled text; `rating` is set when the file gave a number."""

    text: str
    label: str
    lang: str | None = None
    rating: float | None = None
    line: int = 0


@dataclass(frozen=True)
class LanguageReport:
    """Figures for one language (or "all")."""

    language: str
    count: int
    accuracy: float
    macro_f1: float
    pearson_r: float | None
    majority_baseline: float
    confusion: tuple[tuple[str, str, int], ...]  # (gold, predicted, n)


@dataclass(frozen=True)
class Report:
    """Per-language reports, in order of size, and the pooled figures."""

    languages: tuple[LanguageReport, ...]
    overall: LanguageReport

    def summary_line(self) -> str:
        """One line: pooled figures and each language's accuracy/macro-F1."""
        per = ", ".join(f"{r.language} {r.accuracy:.3f}/{r.macro_f1:.3f}" for r in self.languages)
        o = self.overall
        return f"sentiment eval: n={o.count} acc={o.accuracy:.3f} macro-F1={o.macro_f1:.3f} ({per})"


def _label(raw: str, line: int, lo: float, hi: float, source: str) -> tuple[str, float | None]:
    key = raw.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key], None
    try:
        value = float(key)
    except ValueError:
        raise ValueError(
            f"{source}: line {line}: label {raw!r} is not positive/neutral/negative or a number"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{source}: line {line}: label {raw!r} is not a finite number")
    mid = (lo + hi) / 2
    return ("positive" if value > mid else "negative" if value < mid else "neutral"), value


def parse_labeled(text: str, source: str = "<text>") -> list[Row]:
    """Rows of a CSV/TSV document; ValueError names the problem and the line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ValueError(f"{source}: empty file or missing header line (need columns text,label)")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    for needed in ("text", "label"):
        if needed not in fields:
            raise ValueError(
                f"{source}: missing column {needed!r} in header line 1 (found {', '.join(fields)})"
            )
    raw_rows: list[tuple[int, dict[str, str | None]]] = []
    for rec in reader:
        line = reader.line_num
        if rec.get("text") is None or rec.get("label") is None:
            raise ValueError(f"{source}: line {line}: too few fields")
        raw_rows.append((line, rec))
    numbers = []
    for _line, rec in raw_rows:
        try:
            numbers.append(float(str(rec["label"]).strip()))
        except ValueError:
            continue
    lo, hi = (min(numbers), max(numbers)) if numbers else (0.0, 0.0)
    if numbers and lo >= 0 and hi <= 5 and lo >= 1:
        lo, hi = 1.0, 5.0  # star ratings: 3 is neutral
    elif numbers:
        bound = max(abs(lo), abs(hi))
        lo, hi = -bound, bound
    rows = []
    for line, rec in raw_rows:
        if not str(rec["label"]).strip():
            raise ValueError(f"{source}: line {line}: empty label")
        label, rating = _label(str(rec["label"]), line, lo, hi, source)
        lang = (rec.get("lang") or "").strip() or None
        rows.append(Row(text=str(rec["text"]), label=label, lang=lang, rating=rating, line=line))
    return rows


def load_labeled_file(path: str | Path) -> list[Row]:
    """Read a labeled CSV/TSV file (UTF-8); see `parse_labeled`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return parse_labeled(text, str(p))


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def _report(language: str, pairs: list[tuple[Row, Score]]) -> LanguageReport:
    gold = [r.label for r, _ in pairs]
    pred = [s.label for _, s in pairs]
    n = len(pairs)
    correct = sum(g == p for g, p in zip(gold, pred, strict=True))
    f1s = []
    for lab in LABELS:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred, strict=True))
        if tp + fp + fn == 0:
            continue  # class absent from gold and predictions: not part of the average
        f1s.append(2 * tp / (2 * tp + fp + fn))
    rated = [(s.compound, r.rating) for r, s in pairs if r.rating is not None]
    r_value = (
        _pearson([a for a, _ in rated], [float(b) for _, b in rated if b is not None]) if rated else None
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for g, p in zip(gold, pred, strict=True):
        counts[(g, p)] += 1
    majority = max((gold.count(lab) for lab in LABELS), default=0)
    return LanguageReport(
        language=language,
        count=n,
        accuracy=correct / n if n else 0.0,
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        pearson_r=r_value,
        majority_baseline=majority / n if n else 0.0,
        confusion=tuple((g, p, c) for (g, p), c in sorted(counts.items())),
    )


def evaluate_rows(rows: Iterable[Row], scorer: Callable[..., Score] | None = None) -> Report:
    """Score every row (with its `lang` as the hint) and report per detected-or-given language."""
    if scorer is None:
        from sentiment.scoring import score as scorer
    by_lang: dict[str, list[tuple[Row, Score]]] = defaultdict(list)
    everything: list[tuple[Row, Score]] = []
    for row in rows:
        result = scorer(row.text, row.lang)
        key = row.lang or result.language
        by_lang[key].append((row, result))
        everything.append((row, result))
    langs = sorted(by_lang, key=lambda k: (-len(by_lang[k]), k))
    return Report(tuple(_report(k, by_lang[k]) for k in langs), _report("all", everything))


def format_report(report: Report) -> str:
    """A plain-text table, one line per language, the summary line last."""
    lines = [f"{'language':<10} {'n':>6} {'acc':>6} {'macroF1':>8} {'pearson':>8} {'majority':>9}"]
    for r in (*report.languages, report.overall):
        pr = f"{r.pearson_r:.3f}" if r.pearson_r is not None else "-"
        lines.append(
            f"{r.language:<10} {r.count:>6} {r.accuracy:>6.3f} {r.macro_f1:>8.3f} {pr:>8} {r.majority_baseline:>9.3f}"
        )
    lines.append(report.summary_line())
    return "\n".join(lines)
