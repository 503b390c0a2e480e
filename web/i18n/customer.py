"""The customer's language: what Murmur writes to a customer (survey pages and invitations) is in the
conversation's language when a translation exists, else in the default (English) text.

The inbox cannot import Flask or this package, so the composition root (web.app) hands it `translate`
through its settings; texts the inbox writes are listed here so `pybabel extract` finds them, and a test
keeps each msgid equal to the inbox's constant.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import Translations
from flask_babel import lazy_gettext as _l

from inbox.mail.words import locale_of
from web.i18n import catalogs

# the texts the inbox sends customers (inbox.insights.surveys_service), for extraction
CUSTOMER_TEXTS = (_l("Thanks for contacting us. Would you tell us how we did? %(links)s"),)
QUESTIONS = {
    "csat": _l("How satisfied are you with the help you received?"),
    "nps": _l("How likely are you to recommend us to a friend or colleague?"),
}


def customer_locale(language: str | None) -> str | None:
    """The interface locale for a conversation's language tag (th, zh-Hant, zh, en), or None."""
    return locale_of(language)


@cache
def _translations(locale: str) -> Translations:
    return Translations.load(str(catalogs.BUILD), [locale], domain=catalogs.DOMAIN)


def translations_for(language: str | None) -> Translations | None:
    """What `inbox.mail` translates a mail with: the catalogue of a locale (th_TH) or of a language
    tag's locale (th, zh-Hant); None for English and for languages Murmur has no texts in."""
    locale = locale_of(language)
    return _translations(locale) if locale and locale != "en" else None


def translate(language: str | None, msgid: str, **variables: Any) -> tuple[str, str | None]:
    """`msgid` in the conversation's language and the language tag used; the English text and None when
    Murmur has no translation for that language (the team's default text)."""
    locale = customer_locale(language)
    if locale and locale != "en":
        text = _translations(locale).gettext(msgid)
        if text != msgid:
            return text % variables, language
    return msgid % variables, ("en" if locale == "en" else None)
