"""Sentiment commands: evaluation on labeled files and export of agents' corrections."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to `murmur`."""

    @main.command("eval-sentiment")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def eval_sentiment(path: str) -> None:
        """Score a labeled CSV/TSV (text, label[, lang]) and print accuracy, macro-F1 and r per language."""
        from dataclasses import replace

        from inbox.store.csv_cells import unsafe_cell
        from sentiment import detect_language
        from sentiment.evaluation import evaluate_rows, format_report, load_labeled_file

        try:
            # `murmur export-corrections` protects formula-like text with a leading '; read it back as written
            rows = [replace(r, text=unsafe_cell(r.text)) for r in load_labeled_file(path)]
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(format_report(evaluate_rows(rows)))
        english = [r for r in rows if (r.lang or detect_language(r.text)) == "en"]
        if english:
            click.echo("\nraw vaderSentiment on the same English rows (the baseline):")
            click.echo(format_report(evaluate_rows(english, scorer=_raw_vader())))

    @main.command("export-corrections")
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default="-", show_default=True)
    def export_corrections(output: str) -> None:
        """Write agents' sentiment corrections as a labeled CSV for eval-sentiment."""
        from inbox.conversations.corrections import export_corrections as export
        from web.cli import _inbox

        with click.open_file(output, "w", encoding="utf-8") as fh:
            fh.write(export(_inbox()))


def _raw_vader():  # type: ignore[no-untyped-def]
    """Unextended vaderSentiment with its README's thresholds, scored as our Score for comparison."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from sentiment.types import Score

    analyzer = SentimentIntensityAnalyzer()

    def score(text: str, _lang: str | None = None) -> Score:
        c = analyzer.polarity_scores(text)["compound"]
        return Score(c, "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral", "en", abs(c))

    return score
