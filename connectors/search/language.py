"""Which Latin-script language a post is in, for streams that name languages.

The sentiment scorers tell scripts apart (Chinese, Thai, Latin) but take every Latin-script
text as English, and Reddit and feeds tag no language, so "acme est vraiment super" would pass
an English-only stream. py3langid (the maintained fork of langid.py, its model shipped in the
wheel, nothing downloaded) picks among common Latin-script languages; the model is loaded on
first use, not at import.
"""

from __future__ import annotations

from functools import cache
from typing import Any

# the Latin-script languages a brand's posts are most often in; restricting the model to them
# keeps short posts from being taken for a rare language
LATIN = ("en", "fr", "de", "es", "pt", "it", "nl", "id", "ms", "tr", "pl", "sv", "da", "no", "fi", "vi", "tl")


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages(list(LATIN))
    return ident


def latin_language(text: str) -> str:
    """The most likely language code of a Latin-script text (e.g. "en", "fr")."""
    return str(_identifier().classify(text)[0])
