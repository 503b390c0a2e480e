"""Customer identity merge endpoints: thin views over inbox.customers.merge."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict

from inbox.customers import merge as svc
from web.api import endpoint, json_body, parse
from web.api.validation import Id
from web.auth import inbox


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_id: Id


@endpoint(
    "/customers/<int:customer_id>/merge-suggestions", ["GET"], "Customers that look like the same person"
)
def merge_suggestions(customer_id: int) -> Any:
    """`{customer_id, suggestions: [{customer (with identities), confidence 0..1, evidence: [{kind: email|phone|
    handle|handle+name, value, ours, theirs, weight}]}]}`, most confident first; only customers the caller may see."""
    return jsonify(svc.suggest_merges(inbox(), g.agent_id, customer_id))


@endpoint(
    "/customers/<int:customer_id>/merge",
    ["POST"],
    "Merge another customer into this one",
    body=MergeIn,
    errors=(409,),
)
def merge(customer_id: int) -> Any:
    """Identities, conversations, messages, orders and surveys of `other_id` move here; this customer's
    values win and its blanks are filled. Answers `{merge_id, survivor, merged_id, moved: {kind: count}}`;
    409 if either was already merged, 403 unless the caller can see both."""
    body = parse(MergeIn, json_body())
    return jsonify(svc.merge_customers(inbox(), g.agent_id, customer_id, body.other_id))


@endpoint("/customers/<int:customer_id>/merges", ["GET"], "Merges into this customer (to find one to undo)")
def merges(customer_id: int) -> Any:
    """`{customer_id, merges: [{merge_id, other_id, by, at, moved, undone_at}]}`, newest first."""
    return jsonify(svc.list_merges(inbox(), g.agent_id, customer_id))


@endpoint("/merges/<int:merge_id>/undo", ["POST"], "Undo a customer merge", errors=(409,))
def undo(merge_id: int) -> Any:
    """Moves back exactly what the merge moved (and what arrived since through the moved identities).
    Answers `{merge_id, survivor_id, restored, returned: {kind: count}}`; 409 if already undone."""
    return jsonify(svc.undo_merge(inbox(), g.agent_id, merge_id))
