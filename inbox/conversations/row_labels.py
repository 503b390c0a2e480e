"""A list row's labels read by the row's own statement, not by a statement of their own.

The ranked list used to read its 50 rows, then their labels (`labels_of`, one more statement: on
PostgreSQL one more round trip and, in this process, one more statement executed and its result
built). `row_labels()` is a column of the row statement: a correlated subquery on the
`conversation_labels` primary key (conversation_id, label), run only for the rows the statement
returns, so the index scans that find the rows do not change (the plan tests say so).

PostgreSQL gives `ARRAY(SELECT ...)`, which psycopg reads as a list; SQLite gives
`json_group_array`, a JSON text read with orjson. Both give `[]` for no label. The order is the
index's; the JSON sorts them (`serialize`).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import types
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_FROM = "FROM conversation_labels WHERE conversation_labels.conversation_id = conversations.id"


class LabelList(types.TypeDecorator[list[str]]):
    """The labels column's value: a list on PostgreSQL already, JSON text to parse on SQLite."""

    impl = types.String
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name == "postgresql":
            return None
        return orjson.loads


class row_labels(FunctionElement[list[str]]):  # noqa: N801 - a SQL function's name
    """The labels of the `conversations` row of the statement it is a column of."""

    type = LabelList()
    inherit_cache = True
    name = "row_labels"


@compiles(row_labels, "postgresql")
def _array(_element: row_labels, _compiler: Any, **_kw: Any) -> str:
    return f"ARRAY(SELECT conversation_labels.label {_FROM})"


@compiles(row_labels)
def _json_array(_element: row_labels, _compiler: Any, **_kw: Any) -> str:
    return f"(SELECT json_group_array(conversation_labels.label) {_FROM})"
