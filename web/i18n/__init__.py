"""Interface languages: Flask-Babel for Python and Jinja, the same catalogues for the browser.

This is the seam every page and script already writes through: Jinja's `_()`/`gettext()`, Python's
`flask_babel.gettext`, and `t()` in the browser (web/static/js/i18n.js). Which locale a request gets, the
catalogues and their JSON for the browser are the interface-languages work (#20); until it lands every
request is English and `_()` returns its argument.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel, get_locale

babel = Babel()

#: The locales Murmur ships, as Babel names them; English is the source language of every msgid.
LOCALES: tuple[str, ...] = ("en",)


def select_locale() -> str:
    return "en"


def html_lang() -> str:
    """The BCP 47 tag for `<html lang>` (zh-Hant-TW, th-TH), so fonts and line breaking follow the language."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale else "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale="en", default_timezone="UTC")
    app.jinja_env.globals["html_lang"] = html_lang
