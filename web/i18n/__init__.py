"""Interface languages: Flask-Babel for Python and Jinja, the same catalogues for the browser.

Every page and script writes through one seam: Jinja's `_()`/`ngettext()`, Python's
`flask_babel.gettext`, and `t()`/`nt()` in the browser (web/static/js/i18n.js). The locale of a request
is the signed-in agent's profile choice, else the one picked on the sign-in page, else the browser's
`Accept-Language`; times are shown in the agent's time zone. The catalogues are built from
`parts/*.po` (web.i18n.catalogs) and given to the browser as a hashed, long-cached script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_locale, get_translations, lazy_gettext

from inbox.admin import preferences
from web.i18n import catalogs, formatting

babel = Babel()

#: The locales Murmur ships, as Babel names them; English is the source language of every msgid.
LOCALES: tuple[str, ...] = preferences.LOCALES

#: Each language in its own words, for the switcher (names, so never translated).
AUTONYMS: dict[str, str] = {
    "en": "English",
    "zh_Hant_TW": "繁體中文（台灣）",
    "zh_Hans_CN": "简体中文",
    "th_TH": "ไทย",
}

#: A team's default language for its customers (a language tag, as conversations carry), in its own words.
TEAM_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("th", "ไทย"),
    ("zh-Hant", "繁體中文"),
    ("zh-Hans", "简体中文"),
)

ROLE_NAMES: dict[str, Any] = {
    "agent": lazy_gettext("agent"),
    "supervisor": lazy_gettext("supervisor"),
    "admin": lazy_gettext("admin"),
}


def role_name(role: str) -> str:
    """A role in the reader's language (the stored value stays English)."""
    return str(ROLE_NAMES.get(role, role))


# Accept-Language tags (lower case, "-" separated) and their prefixes -> our locale
_TAGS: dict[str, str] = {
    "en": "en",
    "th": "th_TH",
    "zh-tw": "zh_Hant_TW",
    "zh-hk": "zh_Hant_TW",
    "zh-mo": "zh_Hant_TW",
    "zh-hant": "zh_Hant_TW",
    "zh-cn": "zh_Hans_CN",
    "zh-sg": "zh_Hans_CN",
    "zh-hans": "zh_Hans_CN",
    "zh": "zh_Hans_CN",
}


def negotiate(tags: list[str]) -> str | None:
    """The first of the browser's languages (best first) that Murmur ships: zh-TW and zh-HK read
    Traditional Chinese, zh and zh-CN Simplified, th-TH Thai; None when none matches."""
    for tag in tags:
        parts = tag.lower().replace("_", "-").split("-")
        for n in range(len(parts), 0, -1):
            found = _TAGS.get("-".join(parts[:n]))
            if found:
                return found
    return None


@dataclass(frozen=True)
class Chosen:
    """The request's language, time zone and calendar."""

    locale: str
    timezone: str
    buddhist_era: bool
    timezone_chosen: bool = False  # the profile names a time zone (else UTC, or the browser's in scripts)


def chosen() -> Chosen:
    """Worked out once per request, on first use (a page that translates nothing asks nothing)."""
    if "murmur_chosen" in g:
        return g.murmur_chosen
    prefs = preferences.Preferences(None, None, None)
    agent_id = g.get("agent_id")
    if agent_id is not None:
        prefs = preferences.load(current_app.extensions["murmur.inbox"], agent_id)
    locale = prefs.locale or session.get("locale")
    if locale not in LOCALES:
        locale = negotiate([value for value, _q in request.accept_languages]) or "en"
    era = prefs.buddhist_era if prefs.buddhist_era is not None else locale == "th_TH"
    g.murmur_chosen = Chosen(locale, prefs.timezone or "UTC", bool(era), prefs.timezone is not None)
    return g.murmur_chosen


def select_locale() -> str:
    try:
        return chosen().locale
    except RuntimeError:  # outside a request (a CLI or a worker): the source language
        return "en"


def select_timezone() -> str:
    try:
        return chosen().timezone
    except RuntimeError:
        return "UTC"


def html_lang() -> str:
    """The BCP 47 tag for `<html lang>` (zh-Hant-TW, th-TH), so fonts and line breaking follow the language."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale else "en"


def _marked(text: str, source: str) -> str:
    """Under MURMUR_DEBUG an untranslated string shows as ⟦text⟧, so a translator sees what is missing."""
    return f"⟦{text}⟧" if text == source and str(get_locale()) != "en" else text


def _debug_gettext(string: str) -> str:
    return _marked(get_translations().ugettext(string), string)


def _debug_ngettext(singular: str, plural: str, n: int) -> str:
    return _marked(get_translations().ungettext(singular, plural, n), singular if n == 1 else plural)


def catalog_script() -> str | None:
    """The URL of this locale's catalogue for `t()`: its content hash in the name, so it is cached for a
    year and a new build is fetched at once. None for English (the msgids are the text)."""
    locale = str(get_locale())
    built = current_app.extensions["murmur.catalogs"].get(locale)
    return f"/i18n/{locale}.{built.digest}.js" if built else None


def page_settings() -> dict[str, Any]:
    """What the browser's formatting needs (i18n.js reads them from <html data-*>)."""
    c = chosen()
    return {
        "locale": c.locale.replace("_", "-"),
        "timezone": c.timezone,
        "timezone_chosen": "1" if c.timezone_chosen else "",
        "calendar": "buddhist" if c.buddhist_era else "gregory",
        "debug": "1" if current_app.extensions["murmur.config"].debug else "",
    }


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(catalogs.BUILD)
    app.extensions["murmur.catalogs"] = catalogs.ensure_built()
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_locale="en",
        default_timezone="UTC",
    )
    app.jinja_env.globals.update(
        html_lang=html_lang,
        catalog_script=catalog_script,
        page_settings=page_settings,
        autonyms=AUTONYMS,
        team_languages=TEAM_LANGUAGES,
        role_name=role_name,
        current_locale=lambda: str(get_locale()),
    )
    formatting.register(app)
    from web.i18n import views

    app.register_blueprint(views.bp)
    if app.config.get("MURMUR") is not None and app.config["MURMUR"].debug:
        # per app, not on Babel's cached (process-wide) translations: another app in the process is unmarked
        app.jinja_env.install_gettext_callables(_debug_gettext, _debug_ngettext, newstyle=True)
