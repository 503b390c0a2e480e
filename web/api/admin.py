"""Message-level endpoints: one-click sentiment corrections."""

from __future__ import annotations

from typing import Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict

from inbox.conversations.corrections import correct_sentiment
from web.api import endpoint, json_body, parse
from web.auth import inbox


class SentimentCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Literal["negative", "neutral", "positive"]


@endpoint(
    "/messages/<int:message_id>/sentiment", ["PUT"], "Correct a message's sentiment", body=SentimentCorrection
)
def put_sentiment(message_id: int) -> Any:
    """The correction is stored with who made it and wins over the model in every figure and rank."""
    body = parse(SentimentCorrection, json_body())
    return jsonify(correct_sentiment(inbox(), g.agent_id, message_id, body.label))


# The admin console's endpoints live in their own modules; importing them here registers them
# with the views of this module (web.api.load_views imports `admin`).
from web.api import admin_people, admin_tokens  # noqa: E402, F401, I001
