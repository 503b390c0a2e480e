"""Sentiment commands: evaluation on labeled files and export of agents' corrections."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to `murmur`."""

    @main.command("eval-sentiment")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
    @click.option(
        "--data",
        type=click.Path(exists=True, file_okay=False),
        default=None,
        help="The shared labelled sets (default: $MURMUR_SENTIMENT_DATA or ../shared/data/sentiment).",
    )
    @click.option("--split", type=click.Choice(["test", "valid"]), default="test", show_default=True)
    def eval_sentiment(path: str | None, data: str | None, split: str) -> None:
        """Macro-F1 per data set and class with 95% bootstrap intervals, beside raw VADER on the same rows.

        Without PATH: the held-out split of the shared labelled sets (and of our own labelled
        support messages) that training never saw. With PATH: a labeled CSV/TSV (text, label[, lang]),
        e.g. `murmur export-corrections`' output.
        """
        if path is None:
            _eval_heldout(data, split)
            return
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


def _eval_heldout(data: str | None, split: str) -> None:
    import os
    from pathlib import Path

    from sentiment import corpus, heldout
    from sentiment.scoring import score

    root = Path(__file__).resolve().parent.parent
    given = data or os.environ.get("MURMUR_SENTIMENT_DATA")
    # ../shared of the checkout (or of the worktree's parent folder, /work/wt/<name>)
    candidates = (
        [Path(given)] if given else [p / "shared/data/sentiment" for p in (root.parent, root.parent.parent)]
    )
    shared = next((p for p in candidates if p.is_dir()), candidates[0])
    if not shared.is_dir():
        raise click.ClickException(f"no labelled data at {shared} (give --data DIR)")
    rows = [r for r in corpus.load(shared, root / "scripts" / "sentiment_data") if r.split == split]
    if not rows:
        raise click.ClickException(f"no labelled rows found under {shared}")
    click.echo(f"{len(rows)} {split} rows from {shared} (never used in training)")
    click.echo(heldout.format_comparison(heldout.evaluate(rows, score), heldout.evaluate(rows, _raw_vader())))


def _raw_vader():  # type: ignore[no-untyped-def]
    """Unextended vaderSentiment with its README's thresholds, scored as our Score for comparison."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from sentiment.types import Score

    analyzer = SentimentIntensityAnalyzer()

    def score(text: str, _lang: str | None = None) -> Score:
        c = analyzer.polarity_scores(text)["compound"]
        return Score(c, "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral", "en", abs(c))

    return score
