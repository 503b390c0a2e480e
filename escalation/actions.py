"""The action vocabulary: what a rule may ask the inbox to do, and its parameters.

The leaf only validates and describes actions; the inbox carries them out.
Each spec lists its parameters so an editor UI can build forms from `ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from escalation.messages import N_
from escalation.operators import is_number

MAX_SNOOZE_MINUTES = 30 * 24 * 60
MAX_TEXT = 5000


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "number" | "id" | "label" | "choice" | "url" | "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class ActionSpec:
    """One action type: its parameters and how `describe` reads it."""

    type: str
    params: tuple[Param, ...]
    doc: str


ACTIONS: dict[str, ActionSpec] = {
    s.type: s
    for s in (
        ActionSpec("set_priority", (Param("value", "number"),), "Set the conversation priority (0-100)."),
        ActionSpec("add_label", (Param("label", "label"),), "Add a label to the conversation."),
        ActionSpec("remove_label", (Param("label", "label"),), "Remove a label from the conversation."),
        ActionSpec(
            "assign_team",
            (Param("team_id", "id"),),
            "Move the conversation to a team (routing then picks an agent).",
        ),
        ActionSpec("assign_agent", (Param("agent_id", "id"),), "Assign the conversation to one agent."),
        ActionSpec(
            "escalate",
            (Param("to", "choice", required=False, choices=("supervisor",), default="supervisor"),),
            "Escalate: flag the conversation and notify the supervisors.",
        ),
        ActionSpec(
            "notify",
            (
                Param("channel", "choice", choices=("in_app", "webhook")),
                Param("url", "url", required=False),
                Param("message", "text", required=False),
            ),
            "Notify in the app, or POST a signed webhook to `url`.",
        ),
        ActionSpec(
            "send_canned",
            (Param("canned_id", "id", required=False), Param("text", "text", required=False)),
            "Send a canned reply (by id) or a fixed text; exactly one of the two.",
        ),
        ActionSpec("snooze", (Param("minutes", "number"),), "Snooze the conversation for N minutes."),
        ActionSpec("resolve", (), "Resolve the conversation."),
        ActionSpec(
            "promote",
            (),
            "Promote a listening mention to a conversation (mention.created rules only).",
        ),
    )
}


def _check_param(p: Param, value: Any) -> tuple[Any, str | None]:
    """The normalized value, or an error message."""
    if p.type == "number":
        if not is_number(value):
            return value, N_("%(name)s must be a number", name=p.name)
        return value, None
    if p.type == "id":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return value, N_("%(name)s must be a positive integer id", name=p.name)
        return value, None
    if p.type in ("label", "text"):
        if not isinstance(value, str) or not value.strip():
            return value, N_("%(name)s must be a non-empty string", name=p.name)
        limit = 100 if p.type == "label" else MAX_TEXT
        if len(value) > limit:
            return value, N_("%(name)s must be at most %(n)s characters", name=p.name, n=limit)
        return value.strip(), None
    if p.type == "choice":
        if value not in p.choices:
            return value, N_(
                "%(name)s must be one of: %(choices)s", name=p.name, choices=", ".join(p.choices)
            )
        return value, None
    if p.type == "url":
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            return value, N_("%(name)s must be an http(s) URL", name=p.name)
        return value, None
    return value, None


def validate_action(data: Any) -> tuple[str, dict[str, Any], list[tuple[str, str]]]:
    """Check one action's JSON (`{"type", ...params}` or `{"type", "params": {...}}`).

    Returns (type, normalized params, errors) where each error is (sub-path, message);
    sub-path "" means the action itself. Unknown parameters are errors, so a typo
    ("lable") is caught when the rule is saved, not when it silently does nothing.
    """
    if not isinstance(data, Mapping):
        return "", {}, [("", N_("an action must be an object with a 'type'"))]
    kind = data.get("type")
    if not isinstance(kind, str) or not kind:
        return "", {}, [(".type", N_("an action needs a 'type'"))]
    spec = ACTIONS.get(kind)
    if spec is None:
        return (
            kind,
            {},
            [
                (
                    ".type",
                    N_(
                        "unknown action '%(kind)s'; expected one of: %(choices)s",
                        kind=kind,
                        choices=", ".join(ACTIONS),
                    ),
                )
            ],
        )
    raw = (
        data.get("params")
        if isinstance(data.get("params"), Mapping)
        else {k: v for k, v in data.items() if k != "type"}
    )
    errors: list[tuple[str, str]] = []
    params: dict[str, Any] = {}
    known = {p.name for p in spec.params}
    for name in raw:
        if name not in known:
            errors.append((f".{name}", N_("unknown parameter '%(name)s' for %(kind)s", name=name, kind=kind)))
    for p in spec.params:
        if raw.get(p.name) is None:
            if p.required:
                errors.append((f".{p.name}", N_("%(kind)s needs '%(name)s'", kind=kind, name=p.name)))
            elif p.default is not None:
                params[p.name] = p.default
            continue
        value, message = _check_param(p, raw[p.name])
        if message:
            errors.append((f".{p.name}", message))
        params[p.name] = value
    errors.extend(_extra_checks(kind, params))
    return kind, params, errors


def _extra_checks(kind: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rules that span parameters or bound a value."""
    if kind == "set_priority" and is_number(params.get("value")) and not 0 <= params["value"] <= 100:
        return [(".value", N_("priority must be between 0 and 100"))]
    if (
        kind == "snooze"
        and is_number(params.get("minutes"))
        and not 0 < params["minutes"] <= MAX_SNOOZE_MINUTES
    ):
        return [(".minutes", N_("snooze minutes must be between 1 and %(n)s", n=MAX_SNOOZE_MINUTES))]
    if kind == "notify" and params.get("channel") == "webhook" and "url" not in params:
        return [(".url", N_("a webhook notification needs 'url'"))]
    if kind == "send_canned" and ("canned_id" in params) == ("text" in params):
        return [("", N_("send_canned needs exactly one of 'canned_id' or 'text'"))]
    return []
