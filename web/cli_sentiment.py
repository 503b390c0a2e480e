"""Sentiment commands: evaluation on labeled files and export of agents' corrections."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to `murmur`."""

    @main.command("eval-sentiment")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def eval_sentiment(path: str) -> None:
        """Score a labeled CSV/TSV (text, label[, lang]) and print accuracy, macro-F1 and r per language."""
        from sentiment.evaluation import evaluate_rows, format_report, load_labeled_file

        try:
            rows = load_labeled_file(path)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(format_report(evaluate_rows(rows)))

    @main.command("export-corrections")
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default="-", show_default=True)
    def export_corrections(output: str) -> None:
        """Write agents' sentiment corrections as a labeled CSV for eval-sentiment."""
        from inbox.corrections import export_corrections as export
        from web.cli import _inbox

        with click.open_file(output, "w", encoding="utf-8") as fh:
            fh.write(export(_inbox()))
