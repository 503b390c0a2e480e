"""Attachments and media, read out of every network's payload by one set of helpers.

Each adapter calls the helper for its payload shape and puts the result on
`InboundMessage.attachments`; nothing here fetches anything. Remote media is only described
(URL, or the network's file handle where there is no URL, as with Telegram's `file_id`): the
inbox fetches it later with `download`, outside the ingest transaction, and keeps the
attachment's row whatever the fetch does. E-mail parts carry their bytes.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Mapping
from email.message import EmailMessage, Message
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from connectors.errors import PermanentError, TransientError
from connectors.types import Attachment

KINDS = ("image", "video", "audio", "file", "sticker", "link")


def kind_of(content_type: str, name: str = "") -> str:
    """image / video / audio / file, from the content type (or the file name's extension)."""
    ctype = (content_type or mimetypes.guess_type(name)[0] or "").lower()
    major = ctype.split("/", 1)[0]
    return major if major in ("image", "video", "audio") else "file"


def name_from_url(url: str | None, fallback: str = "") -> str:
    """The last path segment of a URL (percent-decoded), else `fallback`."""
    if not url:
        return fallback
    tail = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return tail[:255] or fallback


def _guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or ""


# --- e-mail ------------------------------------------------------------------------------------


def email_attachments(msg: EmailMessage, body_parts: Iterable[Message | None]) -> tuple[Attachment, ...]:
    """Every part of `msg` that is not one of its chosen body parts: attached files, inline
    images (with their Content-ID, referenced as `cid:` in the HTML) and forwarded messages.
    Names come decoded (RFC 2231 / RFC 2047) by the email package's default policy."""
    skip = {id(p) for p in body_parts if p is not None}
    out: list[Attachment] = []
    _walk(msg, skip, out, top=True)
    return tuple(out)


def _walk(part: Message, skip: set[int], out: list[Attachment], top: bool = False) -> None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822" and not top:
        inner = part.get_payload()
        raw = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        subject = str(inner[0].get("Subject", "")) if isinstance(inner, list) and inner else ""
        name = part.get_filename() or (f"{subject[:80]}.eml" if subject else "message.eml")
        out.append(Attachment("file", name, "message/rfc822", len(raw), data=raw))
        return
    if part.is_multipart():
        for sub in part.get_payload():
            _walk(sub, skip, out)
        return
    if id(part) in skip or top:
        return
    name = part.get_filename() or ""
    disposition = part.get_content_disposition()
    if part.get_content_maintype() == "text" and not name and disposition != "attachment":
        return  # another rendering of the body (the alternative we did not choose)
    data = part.get_payload(decode=True) or b""
    cid = str(part.get("Content-ID", "")).strip().strip("<>") or None
    if not name:
        ext = mimetypes.guess_extension(ctype) or ""
        name = f"{(cid or 'attachment').split('@')[0]}{ext}"
    out.append(
        Attachment(
            kind_of(ctype, name),
            name[:255],
            ctype,
            len(data),
            data=data,
            content_id=cid,
            inline=disposition == "inline" or (cid is not None and disposition != "attachment"),
        )
    )


# --- Meta (Messenger, Instagram) -------------------------------------------------------------

_META_KINDS = {"image": "image", "video": "video", "audio": "audio", "file": "file"}


def meta_attachments(items: Any) -> tuple[Attachment, ...]:
    """`message.attachments[]` of a Messenger or Instagram DM: image / video / audio / file with
    `payload.url`; stickers are images with `payload.sticker_id`; shares, reels, story
    mentions and fallbacks are links."""
    out = []
    for a in items if isinstance(items, list) else []:
        if not isinstance(a, dict):
            continue
        payload = a.get("payload") or {}
        url = payload.get("url") or a.get("url")
        kind = _META_KINDS.get(str(a.get("type")), "link")
        if payload.get("sticker_id"):
            kind = "sticker"
        if not url:
            continue
        name = str(a.get("title") or "") if kind == "link" else name_from_url(url, kind)
        out.append(
            Attachment(kind, name or name_from_url(url, kind), _guess_type(name_from_url(url)), url=url)
        )
    return tuple(out)


# --- Telegram --------------------------------------------------------------------------------


_TELEGRAM_FILES = (
    ("document", "file"),
    ("video", "video"),
    ("animation", "video"),
    ("video_note", "video"),
    ("voice", "audio"),
    ("audio", "audio"),
    ("sticker", "sticker"),
)


def _sticker_type(sticker: Mapping[str, Any]) -> str:
    if sticker.get("is_video"):
        return "video/webm"
    return "application/x-tgsticker" if sticker.get("is_animated") else "image/webp"


def telegram_attachments(msg: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """photo (the largest size), document, sticker, video, animation, voice, audio and
    video_note. Telegram gives a `file_id`, not a URL; the connector turns it into bytes."""
    out = []
    photos = msg.get("photo")
    if isinstance(photos, list) and photos:
        best = max(photos, key=lambda p: (p.get("width", 0) * p.get("height", 0), p.get("file_size", 0)))
        out.append(
            Attachment(
                "image",
                f"photo_{msg.get('message_id', '')}.jpg",
                "image/jpeg",
                best.get("file_size"),
                ref=best.get("file_id"),
            )
        )
    for key, kind in _TELEGRAM_FILES:
        item = msg.get(key)
        if not isinstance(item, dict) or not item.get("file_id"):
            continue
        if key == "document" and msg.get("animation"):
            continue  # an animation also comes as a document: keep it once
        ctype = item.get("mime_type") or ""
        if key == "sticker":
            ctype = _sticker_type(item)
        ext = mimetypes.guess_extension(ctype) or ""
        name = item.get("file_name") or f"{key}_{msg.get('message_id', '')}{ext}"
        if key == "document":
            kind = kind_of(ctype, name)
        out.append(Attachment(kind, name[:255], ctype, item.get("file_size"), ref=item["file_id"]))
    return tuple(out)


# --- Mastodon ----------------------------------------------------------------------------------

_MASTODON_KINDS = {"image": "image", "gifv": "video", "video": "video", "audio": "audio"}


def mastodon_attachments(status: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """`status.media_attachments[]`: the instance's copy (`url`), else the origin's (`remote_url`)."""
    out = []
    for a in status.get("media_attachments") or []:
        url = a.get("url") or a.get("remote_url")
        if not url:
            continue
        name = name_from_url(url, str(a.get("id", "media")))
        out.append(Attachment(_MASTODON_KINDS.get(a.get("type"), "file"), name, _guess_type(name), url=url))
    return tuple(out)


# --- Bluesky -----------------------------------------------------------------------------------


def bluesky_attachments(record: Mapping[str, Any], did: str) -> tuple[Attachment, ...]:
    """Images and video of a post's embed (also inside recordWithMedia), fetched from the author's
    repository with `com.atproto.sync.getBlob` (a path on the channel's PDS); external links."""
    embed = record.get("embed") or {}
    quoted = _quoted(embed)
    out: list[Attachment] = []
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    kind = embed.get("$type")
    blobs: list[tuple[str, Any]] = []
    if kind == "app.bsky.embed.images":
        blobs = [("image", i.get("image")) for i in embed.get("images") or []]
    elif kind == "app.bsky.embed.video":
        blobs = [("video", embed.get("video"))]
    elif kind == "app.bsky.embed.external":
        ext = embed.get("external") or {}
        if ext.get("uri"):
            out.append(Attachment("link", str(ext.get("title") or ext["uri"])[:255], "", url=ext["uri"]))
    for k, blob in blobs:
        if not isinstance(blob, dict):
            continue
        cid = (blob.get("ref") or {}).get("$link") or blob.get("cid")
        if not cid:
            continue
        ctype = blob.get("mimeType") or ""
        ext = mimetypes.guess_extension(ctype) or ""
        out.append(
            Attachment(
                k,
                f"{cid[-12:]}{ext}",
                ctype,
                blob.get("size"),
                url=f"/xrpc/com.atproto.sync.getBlob?did={did}&cid={cid}",
            )
        )
    return tuple(out + quoted)


def _quoted(embed: Mapping[str, Any]) -> list[Attachment]:
    """A quote post's quoted post (app.bsky.embed.record, alone or with media) as a link, so an
    image-only quote still shows what it answers (real quote posts often have no text)."""
    kind = embed.get("$type")
    if kind == "app.bsky.embed.recordWithMedia":
        embed = embed.get("record") or {}
    elif kind != "app.bsky.embed.record":
        return []
    uri = str((embed.get("record") or {}).get("uri") or "")
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return []  # a quoted list, feed or starter pack: not a post
    return [Attachment("link", "quoted post", "", url=f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}")]


# --- X -----------------------------------------------------------------------------------------


def x_attachments(post: Mapping[str, Any], media: Mapping[str, Mapping[str, Any]]) -> tuple[Attachment, ...]:
    """`attachments.media_keys` joined with `includes.media`: a photo's `url`; for video and GIFs
    the best mp4 variant (the preview image when there are no variants)."""
    out = []
    for key in (post.get("attachments") or {}).get("media_keys") or []:
        m = media.get(key)
        if not m:
            continue
        if m.get("type") == "photo" and m.get("url"):
            name = name_from_url(m["url"], key)
            out.append(Attachment("image", name, _guess_type(name), url=m["url"]))
            continue
        mp4 = [v for v in m.get("variants") or [] if v.get("content_type") == "video/mp4" and v.get("url")]
        url = max(mp4, key=lambda v: v.get("bit_rate", 0))["url"] if mp4 else m.get("preview_image_url")
        if url:
            name = name_from_url(url, key)
            out.append(Attachment("video" if mp4 else "image", name, _guess_type(name), url=url))
    return tuple(out)


# --- Reddit ------------------------------------------------------------------------------------

_IMAGE_LINK = re.compile(
    r"https://(?:i\.redd\.it|preview\.redd\.it|i\.imgur\.com)/[A-Za-z0-9_\-./%?=&;]+?\.(?:jpe?g|png|gif|webp)\b(?:\?[^\s)\]]*)?",
    re.IGNORECASE,
)


def reddit_attachments(data: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """Images a comment or message carries: `media_metadata` (images posted in comments) and
    direct image links in the body (i.redd.it, preview.redd.it, i.imgur.com)."""
    out: list[Attachment] = []
    seen: set[str] = set()
    for item in (data.get("media_metadata") or {}).values():
        if not isinstance(item, dict) or item.get("status", "valid") != "valid":
            continue
        src = (item.get("s") or {}).get("u") or (item.get("s") or {}).get("gif")
        if src and src not in seen:
            seen.add(src)
            name = name_from_url(src, "image")
            out.append(Attachment("image", name, item.get("m") or _guess_type(name), url=src))
    for match in _IMAGE_LINK.finditer(str(data.get("body") or "")):
        url = match.group(0).replace("&amp;", "&")
        if url not in seen:
            seen.add(url)
            name = name_from_url(url, "image")
            out.append(Attachment("image", name, _guess_type(name), url=url))
    return tuple(out)


# --- fetching ----------------------------------------------------------------------------------


class TooLarge(PermanentError):
    """The file is bigger than the inbox accepts; fetching it again will not help."""


def download(
    client: httpx.Client,
    url: str,
    max_bytes: int,
    timeout: float = 30.0,
    headers: Mapping[str, str] | None = None,
) -> tuple[bytes, str]:
    """GET `url`, streaming, and stop as soon as it passes `max_bytes`. Returns the bytes and the
    served content type. 4xx are permanent (an expired or removed file), 5xx and network
    failures transient (the job tries again later)."""
    where = f"GET {httpx.URL(url).host}"
    try:
        with client.stream(
            "GET", url, timeout=timeout, follow_redirects=True, headers=dict(headers or {})
        ) as resp:
            if resp.status_code >= 500 or resp.status_code == 429:
                raise TransientError(f"{where}: {resp.status_code}")
            if resp.status_code >= 400:
                raise PermanentError(f"{where}: {resp.status_code} (the file is gone or not ours to read)")
            declared = int(resp.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise TooLarge(f"{declared} bytes is over the limit of {max_bytes}")
            chunks, total = [], 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise TooLarge(f"over the limit of {max_bytes} bytes")
                chunks.append(chunk)
            ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            return b"".join(chunks), ctype
    except httpx.TimeoutException:
        raise TransientError(f"{where}: timed out") from None
    except httpx.TransportError as exc:
        raise TransientError(f"{where}: connection failed ({type(exc).__name__})") from None
