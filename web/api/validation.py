"""One validation layer: every input gets a type and a range before it reaches the database.

Views declare what they take as pydantic models built from the types below (ids and counts
within the columns' range, strings within the columns' length, times within 1970-2099) and read
them with `parse(Model, json_body())` and `query(Model)`. Whatever a model does not say is still
checked here for every JSON body and query string: nesting depth, NUL characters and lone
surrogates. The answer to bad input is a 400 naming the field, the same on SQLite and PostgreSQL,
because nothing the database would refuse ever reaches it.

Adopting it in a new endpoint (see docs/api-errors-and-limits.md):

    class ThingQuery(BaseModel):
        limit: int = Field(default=20, ge=1, le=100)
    class ThingIn(BaseModel):
        model_config = STRICT_BODY
        name: ColumnStr(Thing.name)
        owner_id: Id

    @endpoint("/things", ["POST"], "Make a thing", body=ThingIn, query=ThingQuery, response=ThingOut)
    def make_thing():
        body, q = parse(ThingIn, json_body()), query(ThingQuery)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from connectors.errors import PayloadError
from connectors.jsonbody import loads
from inbox.store.limits import INT32_MAX, INT64_MAX, TIME_PATTERN, column_length, text_problem, time_problem
from web.api import problems
from web.errors import N_, ApiError
from web.limits import read_body

# Bodies name every field they take: a misspelt field is a 400, not silently ignored.
STRICT_BODY = ConfigDict(extra="forbid")
MAX_DEPTH = 32  # levels of nesting in any JSON body (rule conditions need 4)

# An id names a row: 1 to the id columns' maximum (INTEGER, 32 bits on PostgreSQL).
Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
# An id written in a string (`assignee=12`, `survey_group=team:3`): 1 to 2147483647, as a regex.
ID_DIGITS = (
    "(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
    "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])"
)
# A count or a size that is stored: 0 to the same maximum.
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]


def _sane_time(value: datetime) -> datetime:
    problem = time_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# An instant in the years 1970 to 2099, returned aware in UTC (no offset means UTC).
Time = Annotated[
    datetime,
    AfterValidator(_sane_time),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIME_PATTERN}),
]


def ColumnStr(column: Any, min_length: int = 0) -> Any:  # noqa: N802 - used as a type
    """A string that fits `column` (a model attribute): its declared length, at least `min_length`."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=column_length(column))]


def field_path(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """pydantic's location as the API names fields: `orders[3].customer_id`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def parse(model: type[BaseModel], data: Any) -> Any:
    """Validate input with pydantic; the first problem becomes a 400 naming its field."""
    if data is None:
        raise ApiError(400, "invalid", N_("the body must be a JSON object"))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = field_path(err["loc"])
        if field:
            msgid, values = problems.sentence(err, field)
            raise ApiError(400, "invalid", msgid, field, **values) from None
        raise ApiError(400, "invalid", err["msg"].removeprefix("Value error, ")) from None


def json_body() -> Any:
    """The request's JSON body: within the endpoint's size limit, nested at most MAX_DEPTH levels,
    and with no NUL character or lone surrogate in any key or string (PostgreSQL refuses the first,
    UTF-8 cannot encode the second)."""
    if not request.is_json:
        raise ApiError(400, "invalid", N_("the body must be JSON with Content-Type: application/json"))
    try:
        data = loads(read_body(cache=True), max_depth=MAX_DEPTH)
    except PayloadError as exc:
        raise ApiError(400, "invalid", N_("body: %(problem)s"), "body", problem=exc.message) from None
    problem = storable(data)
    if problem is not None:
        raise ApiError(
            400, "invalid", N_("%(name)s: %(problem)s"), problem[0], name=problem[0], problem=problem[1]
        )
    return data


def storable(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first string (or key) or number in parsed JSON that no database column could hold, and why."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return where or "body", problem
        elif isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
            return where or "body", "must fit in 64 bits"
        elif isinstance(value, dict):
            for k, v in value.items():
                key_path = f"{where}.{k}" if where else str(k)
                problem = text_problem(k)
                if problem is not None:
                    return (where or "body"), f"a key {problem}"
                stack.append((key_path, v))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
    return None


def query(model: type[BaseModel]) -> Any:
    """The query string as `model` (each parameter typed and bounded); a bad one is a 400 naming it."""
    for name, values in request.args.lists():
        if len(values) > 1:  # the document gives each parameter one value; which one was meant?
            raise ApiError(
                400,
                "invalid",
                N_("%(name)s: give it once, not %(count)s times"),
                name,
                name=name,
                count=len(values),
            )
    args = request.args.to_dict()
    for name, value in args.items():
        problem = text_problem(value)
        if problem is not None:
            raise ApiError(400, "invalid", N_("%(name)s: %(problem)s"), name, name=name, problem=problem)
    # an empty parameter (`?limit=`) means "not given", as it always has
    return parse(model, {k: v for k, v in args.items() if v != ""})


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI parameters for a query model: each property's own schema, description and default."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title" and not (k == "default" and v is None)}
        # `X | None` means "may be left out": a query string has no null to send
        branches = [b for b in prop.pop("anyOf", ()) if b != {"type": "null"}]
        if len(branches) == 1:
            prop.update(branches[0])
        elif branches:
            prop["anyOf"] = branches
        description = prop.pop("description", None)
        if name not in required:
            # `?name=` means "not given" (see `query`), so the empty string is a valid value too
            default = prop.pop("default", None)
            prop = {"anyOf": [prop, {"type": "string", "maxLength": 0}]}
            if default is not None:
                prop["default"] = default
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


class QueryModel(BaseModel):
    """Base of query models: unknown parameters are ignored (links carry extra ones), aliases allowed."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
