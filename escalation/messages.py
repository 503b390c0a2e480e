"""Problem sentences that can still be put into the reader's language.

The leaf knows nothing of Flask or Babel, yet its validation messages reach supervisors who work in
Chinese and Thai. So each message is written once, in English, as a msgid with named values
(`N_("%(name)s must be a number", name="value")`), and returned as a `Msg`: to every caller it is
the plain English string (tests, logs, the CLI compare and print it as before), and it still carries
its msgid and values, so the web layer translates the msgid and fills in the values afterwards
(`web/errors.py`). `N_` is one of Babel's default keywords, so `make i18n` extracts these msgids
(babel.cfg reads escalation/).
"""

from __future__ import annotations

from typing import Any


class Msg(str):
    """An English message that remembers its msgid and values (see the module's docstring)."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: dict[str, Any] | None = None) -> Msg:
        params = params or {}
        obj = super().__new__(cls, msgid % params if params else msgid)
        obj.msgid, obj.params = msgid, params
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Msg, (self.msgid, self.params))


def N_(msgid: str, **params: Any) -> Msg:  # noqa: N802 - gettext's conventional marker, a Babel default keyword
    """The English message `msgid % params`, marked for extraction, translatable later."""
    return Msg(msgid, params)
