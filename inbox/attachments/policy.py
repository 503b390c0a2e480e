"""What the inbox accepts and how it hands files back: size and type limits, safe serving.

Customer files are untrusted. A file is shown inline only when Pillow has opened it as one of
four raster formats (PNG, JPEG, GIF, WebP), whatever the network or the sender claimed; every
other file is served as a download (`Content-Disposition: attachment`), HTML, SVG, XML and
script types as `application/octet-stream`, always with `X-Content-Type-Options: nosniff` and a
sandboxing Content-Security-Policy, so nothing a customer sent can run in Murmur's origin.
"""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass
from fnmatch import fnmatch
from urllib.parse import quote

DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # the common e-mail limit; Messenger allows 25 MB too
THUMBNAIL_PX = 320
MAX_PIXELS = 40_000_000  # a decompression bomb is refused a thumbnail, not decoded

# Stored when received; anything else is kept as a row saying why it was refused.
DEFAULT_TYPES = (
    "image/*",
    "video/*",
    "audio/*",
    "text/*",  # logs, source files, patches (text/x-csrc, text/x-diff); active text types refused below
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/json",
    "application/rtf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.*",
    "application/vnd.oasis.opendocument.*",
    "application/octet-stream",
    "application/x-tgsticker",
    "message/rfc822",
)
# Never accepted whatever the content type claims: programs and scripts Windows or a browser runs.
REFUSED_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "scr",
        "bat",
        "cmd",
        "pif",
        "msi",
        "msp",
        "dll",
        "cpl",
        "jar",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ps1",
        "hta",
        "lnk",
        "reg",
        "apk",
        "app",
    ]
)
INLINE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# Downloads keep their type unless a browser could render it as a page or run it.
_ACTIVE = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
)


class Refused(ValueError):
    """A file the limits do not accept; `status` is the HTTP status an upload gets (413 or 415)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    types: tuple[str, ...] = DEFAULT_TYPES

    def check(self, name: str, content_type: str, size: int | None) -> None:
        """Raise `Refused` when the file is too big or of a type not accepted."""
        if size is not None and size > self.max_bytes:
            raise Refused(f"{size} bytes is over the limit of {self.max_bytes}", 413)
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in REFUSED_EXTENSIONS:
            raise Refused(f".{ext} files are not accepted", 415)
        ctype = effective_type(name, content_type)
        if ctype.startswith("text/") and ctype in _ACTIVE:  # a page or a script, never plain text
            raise Refused(f"{ctype} files are not accepted", 415)
        if not any(fnmatch(ctype, pattern) for pattern in self.types):
            raise Refused(f"{ctype} files are not accepted", 415)


def effective_type(name: str, content_type: str) -> str:
    """The declared type, or the one the name suggests, or application/octet-stream."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    return ctype or mimetypes.guess_type(name)[0] or "application/octet-stream"


def image_format(data: bytes) -> str | None:
    """The safe inline type of `data` if Pillow reads it as PNG, JPEG, GIF or WebP, else None."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            return INLINE_FORMATS.get(img.format or "")
    except Exception:  # noqa: BLE001 - any unreadable file is simply not an inline image
        return None


def thumbnail(data: bytes) -> bytes | None:
    """A PNG at most THUMBNAIL_PX on its longer side (first frame of an animation), or None."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in INLINE_FORMATS or img.width * img.height > MAX_PIXELS:
                return None
            img.seek(0)
            frame = img.convert("RGBA")
            frame.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            frame.save(out, "PNG", optimize=True)
            return out.getvalue()
    except Exception:  # noqa: BLE001 - a broken image gets a download link instead
        return None


def serving_headers(name: str, content_type: str, inline_type: str | None) -> dict[str, str]:
    """Content-Type and the protective headers for handing a stored file to an agent's browser."""
    if inline_type:
        ctype, disposition = inline_type, "inline"
    else:
        ctype = effective_type(name, content_type)
        if ctype in _ACTIVE or ctype.startswith("image/") or ctype.endswith("+xml"):
            ctype = "application/octet-stream"  # an image Pillow could not read is not shown
        elif ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        disposition = "attachment"
    fallback = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name)[:100] or "file"
    return {
        "Content-Type": ctype,
        "Content-Disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=86400",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
