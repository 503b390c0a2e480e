"""pydantic's validation problems as whole sentences a translator can work with.

pydantic words its errors in English ("String should have at most 120 characters"); the API names
the field and says what is wrong in the reader's language instead. Each common error type maps to
an `N_` msgid with the field and pydantic's limits as values, translated by `web.errors` at response
time; a type not listed here (a custom validator's own words) keeps pydantic's English text.
"""

from __future__ import annotations

from typing import Any

from inbox.store.errors import N_

# pydantic error type -> (msgid, the `ctx` keys it shows)
_SENTENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "missing": (N_("%(name)s is required"), ()),
    "extra_forbidden": (N_("%(name)s is not a field this request takes"), ()),
    "string_type": (N_("%(name)s must be text"), ()),
    "string_too_short": (N_("%(name)s must have at least %(min_length)s characters"), ("min_length",)),
    "string_too_long": (N_("%(name)s must have at most %(max_length)s characters"), ("max_length",)),
    "string_pattern_mismatch": (N_("%(name)s is not in a form this field takes"), ()),
    "int_type": (N_("%(name)s must be a whole number"), ()),
    "int_parsing": (N_("%(name)s must be a whole number"), ()),
    "int_from_float": (N_("%(name)s must be a whole number"), ()),
    "float_type": (N_("%(name)s must be a number"), ()),
    "float_parsing": (N_("%(name)s must be a number"), ()),
    "bool_type": (N_("%(name)s must be true or false"), ()),
    "bool_parsing": (N_("%(name)s must be true or false"), ()),
    "greater_than_equal": (N_("%(name)s must be at least %(ge)s"), ("ge",)),
    "less_than_equal": (N_("%(name)s must be at most %(le)s"), ("le",)),
    "greater_than": (N_("%(name)s must be more than %(gt)s"), ("gt",)),
    "less_than": (N_("%(name)s must be less than %(lt)s"), ("lt",)),
    "list_type": (N_("%(name)s must be a list"), ()),
    "too_short": (N_("%(name)s must have at least %(min_length)s items"), ("min_length",)),
    "too_long": (N_("%(name)s must have at most %(max_length)s items"), ("max_length",)),
    "dict_type": (N_("%(name)s must be an object"), ()),
    "model_type": (N_("%(name)s must be an object"), ()),
    "model_attributes_type": (N_("%(name)s must be an object"), ()),
    "literal_error": (N_("%(name)s must be one of %(expected)s"), ("expected",)),
    "enum": (N_("%(name)s must be one of %(expected)s"), ("expected",)),
    "datetime_type": (N_("%(name)s must be a date and time such as 2026-12-07T09:00:00+07:00"), ()),
    "datetime_parsing": (N_("%(name)s must be a date and time such as 2026-12-07T09:00:00+07:00"), ()),
    "datetime_from_date_parsing": (
        N_("%(name)s must be a date and time such as 2026-12-07T09:00:00+07:00"),
        (),
    ),
    "date_type": (N_("%(name)s must be a date such as 2026-12-07"), ()),
    "date_parsing": (N_("%(name)s must be a date such as 2026-12-07"), ()),
    "date_from_datetime_parsing": (N_("%(name)s must be a date such as 2026-12-07"), ()),
}


def sentence(err: dict[str, Any], field: str) -> tuple[str, dict[str, Any]]:
    """The msgid and values for one pydantic error about `field`; pydantic's own words when unlisted."""
    known = _SENTENCES.get(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if known is None or any(k not in ctx for k in known[1]):
        return N_("%(name)s: %(problem)s"), {
            "name": field,
            "problem": str(err.get("msg", "")).removeprefix("Value error, "),
        }
    msgid, keys = known
    return msgid, {"name": field, **{k: ctx[k] for k in keys}}
