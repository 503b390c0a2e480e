"""Attachment endpoints: files served with safe headers, uploads for replies. Thin views over
inbox.attachments.service; every read is checked like the conversation it belongs to."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request

from inbox.attachments import service as svc
from inbox.attachments.policy import Refused, serving_headers
from web.api import endpoint
from web.auth import inbox
from web.errors import N_, ApiError


def _send(att: Any, data: bytes, thumb: bool) -> Response:
    if thumb:
        headers = serving_headers(f"{att.name}.png", "image/png", "image/png")
    else:
        headers = serving_headers(att.name, att.content_type, att.inline_type)
    return Response(data, headers=headers)


@endpoint("/attachments/<int:attachment_id>", ["GET"], "An attachment's file")
def get_attachment(attachment_id: int) -> Any:
    """The stored bytes: shown inline only for PNG, JPEG, GIF and WebP images that really are
    one; anything else as a download (`Content-Disposition: attachment`), never as HTML or SVG.
    404 while the file is still being fetched, or when it failed or was refused (the
    conversation's message says which)."""
    att, data = svc.open_file(inbox(), g.agent_id, attachment_id)
    return _send(att, data, thumb=False)


@endpoint("/attachments/<int:attachment_id>/thumbnail", ["GET"], "An image attachment's thumbnail")
def get_thumbnail(attachment_id: int) -> Any:
    """A PNG at most 320 pixels on its longer side, made once and kept in the blob store."""
    att, data = svc.open_file(inbox(), g.agent_id, attachment_id, thumb=True)
    return _send(att, data, thumb=True)


@endpoint(
    "/conversations/<int:conversation_id>/attachments",
    ["POST"],
    "Upload a file to send with a reply",
    status=201,
    errors=(415,),
    form={
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": "the file"}},
    },
)
def upload_attachment(conversation_id: int) -> Any:
    """multipart/form-data with one `file`; answers the attachment, whose id goes in the
    reply's `attachment_ids`. 413 over the size limit, 415 for a type not accepted, 400 where
    the channel cannot carry files."""
    limit = svc.limits_of(inbox()).max_bytes
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise ApiError(
            413, "too_large", N_("the upload is over the limit of %(limit)s bytes"), "file", limit=limit
        )
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "invalid", N_("send the file as multipart/form-data field 'file'"), "file")
    data = upload.stream.read(limit + 1)
    try:
        out = svc.upload(
            inbox(), g.agent_id, conversation_id, upload.filename or "", upload.mimetype or "", data
        )
    except Refused as exc:
        code = "too_large" if exc.status == 413 else "unsupported_type"
        raise ApiError(exc.status, code, str(exc), "file") from None
    return jsonify(out), 201
