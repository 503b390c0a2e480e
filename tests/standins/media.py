"""Media servers for attachment tests: a CDN serving files by path, and a Telegram bot API that
also answers getFile and serves /file/bot<token>/<path>, as the Bot API documents them."""

from __future__ import annotations

import email
import email.policy
import io
from dataclasses import dataclass, field
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, route
from tests.standins.telegram import TelegramStandIn


def png_bytes(width: int = 640, height: int = 480, color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real PNG (Pillow), so the inbox's image checks and thumbnails see a genuine image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(width: int = 800, height: int = 600) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@dataclass
class MediaStandIn(StandIn):
    """Serves `files[path] = (content_type, bytes)` with GET; anything else is a 404."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def routes(self):
        return [route("GET", "/", self._file, exact=False)]

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def error_body(self, status: int) -> Response:
        return status, {"Content-Type": "text/plain"}, b"error"

    def _file(self, req: Request) -> Response:
        found = self.files.get(req.path.lstrip("/"))
        if found is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return 200, {"Content-Type": found[0]}, found[1]


@dataclass
class TelegramMediaStandIn(TelegramStandIn):
    """The Bot API stand-in plus getFile and file downloads, for photo, document and sticker updates."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (file_path, bytes)

    def routes(self):
        return [route("GET", "/file/bot", self._download, exact=False), *super().routes()]

    def _method(self, req: Request) -> Response:
        if req.path.endswith(("/sendPhoto", "/sendDocument")):
            return self._upload(req)
        if req.path.endswith("/getFile"):
            if req.path.split("/")[1][3:] != self.token:
                return json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            file_id = req.json().get("file_id")
            if file_id not in self.files:
                return json_response(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
                )
            path, data = self.files[file_id]
            return json_response(
                200,
                {
                    "ok": True,
                    "result": {
                        "file_id": file_id,
                        "file_unique_id": file_id[-8:],
                        "file_size": len(data),
                        "file_path": path,
                    },
                },
            )
        return super()._method(req)

    def _upload(self, req: Request) -> Response:
        """A multipart sendPhoto / sendDocument, as the Bot API takes a file upload."""
        if req.path.split("/")[1][3:] != self.token:
            return json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        head = f"Content-Type: {req.headers.get('content-type', '')}\r\n\r\n".encode()
        form = email.message_from_bytes(head + req.body, policy=email.policy.default)
        fields = {p.get_param("name", header="content-disposition"): p for p in form.iter_parts()}
        field = "photo" if req.path.endswith("/sendPhoto") else "document"
        if field not in fields or "chat_id" not in fields:
            return json_response(
                400, {"ok": False, "error_code": 400, "description": f"Bad Request: no {field}"}
            )
        self._message_id += 1
        part = fields[field]
        msg = {
            "message_id": self._message_id,
            "date": int(self.clock()),
            "chat": {"id": int(fields["chat_id"].get_content().strip()), "type": "private"},
            field: {"file_name": part.get_filename(), "mime_type": part.get_content_type()},
            "caption": fields["caption"].get_content() if "caption" in fields else None,
            "data": part.get_payload(decode=True),
        }
        self.sent.append(msg)
        shown = {k: v for k, v in msg.items() if k != "data"}
        return json_response(200, {"ok": True, "result": shown})

    def _download(self, req: Request) -> Response:
        token, _, path = req.path.removeprefix("/file/bot").partition("/")
        if token != self.token:
            return 401, {"Content-Type": "text/plain"}, b"Unauthorized"
        for stored_path, data in self.files.values():
            if stored_path == path:
                return 200, {"Content-Type": "application/octet-stream"}, data
        return 404, {"Content-Type": "text/plain"}, b"Not Found"

    def photo_update(self, file_id: str, data: bytes, caption: str = "") -> dict[str, Any]:
        """A private-chat photo message as getUpdates returns it: sizes smallest first."""
        self.files[file_id] = (f"photos/file_{len(self.files)}.jpg", data)
        update = self.make_update(text="x")
        msg = update["message"]
        del msg["text"]
        msg["photo"] = [
            {"file_id": file_id + "-s", "file_unique_id": "s1", "file_size": 1200, "width": 90, "height": 67},
            {"file_id": file_id, "file_unique_id": "b1", "file_size": len(data), "width": 800, "height": 600},
        ]
        if caption:
            msg["caption"] = caption
        self.updates.append(update)
        return update
