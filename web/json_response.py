"""JSON answers encoded by orjson: the same document Flask's provider writes, several times faster.

Profiling the ranked list (`GET /api/conversations`, 50 rows) on the one-year bench showed the
standard library's encoder (with `sort_keys`) as the largest single cost of the request after
its SQL, about a tenth of its CPU; orjson writes the same JSON in a fraction of that (it is
already a dependency: `inbox.store.db` writes JSON columns with it). Only `response` (what
`jsonify` calls) changes: keys stay sorted, dates, dataclasses and `__html__` objects go through
Flask's own `default`, and anything orjson refuses (an integer beyond 64 bits, say) falls back
to the standard encoder, as do debug mode's indented answers. Non-ASCII text is written as UTF-8
rather than as \\u escapes: the same JSON to any parser.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with `response` encoded by orjson (see the module docstring)."""

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except (TypeError, orjson.JSONEncodeError):
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)


def init_app(app: Flask) -> None:
    app.json = OrjsonProvider(app)
