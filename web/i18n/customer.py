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

from web.i18n import catalogs

# the texts the inbox sends customers (inbox.insights.surveys_service), for extraction
CUSTOMER_TEXTS = (_l("Thanks for contacting us. Would you tell us how we did? %(links)s"),)
QUESTIONS = {
    "csat": _l("How satisfied are you with the help you received?"),
    "nps": _l("How likely are you to recommend us to a friend or colleague?"),
}

_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def customer_locale(language: str | None) -> str | None:
    """The interface locale for a conversation's language tag (th, zh-Hant, zh, en), or None."""
    tag = (language or "").lower().replace("_", "-")
    if not tag:
        return None
    if tag.startswith(_TRADITIONAL):
        return "zh_Hant_TW"
    base = tag.split("-")[0]
    return {"th": "th_TH", "zh": "zh_Hans_CN", "en": "en"}.get(base)


@cache
def _translations(locale: str) -> Translations:
    return Translations.load(str(catalogs.BUILD), [locale], domain=catalogs.DOMAIN)


def translate(language: str | None, msgid: str, **variables: Any) -> tuple[str, str | None]:
    """`msgid` in the conversation's language and the language tag used; the English text and None when
    Murmur has no translation for that language (the team's default text)."""
    locale = customer_locale(language)
    if locale and locale != "en":
        text = _translations(locale).gettext(msgid)
        if text != msgid:
            return text % variables, language
    return msgid % variables, ("en" if locale == "en" else None)
