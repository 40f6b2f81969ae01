"""Ticket attachments: accepted by content (never by the file name the sender chose), stored
under random names and served only through a view that checks who may see the ticket."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _

from peyvand.core.persian import normalize_text

from .models import TicketAttachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    # Shown in the browser; everything else is downloaded.
    inline: bool = False


PDF = FileType("application/pdf", ".pdf")
PNG = FileType("image/png", ".png", inline=True)
JPEG = FileType("image/jpeg", ".jpg", inline=True)
GIF = FileType("image/gif", ".gif", inline=True)
WEBP = FileType("image/webp", ".webp", inline=True)
TEXT = FileType("text/plain; charset=utf-8", ".txt")
ZIP = FileType("application/zip", ".zip")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"
)
_OFFICE = {".docx": DOCX, ".xlsx": XLSX, ".pptx": PPTX}
FILE_TYPES = {t.content_type: t for t in (PDF, PNG, JPEG, GIF, WEBP, TEXT, ZIP, DOCX, XLSX, PPTX)}


def max_bytes() -> int:
    return int(getattr(settings, "TICKET_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def detect_file_type(head: bytes, name: str = "") -> FileType | None:
    """The type of a file from its first bytes; the name only tells Office files from ZIPs."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"PK\x03\x04":
        return _OFFICE.get(PurePath(name).suffix.lower(), ZIP)
    # HTML and SVG are text too, but would run scripts when opened: only plain text passes.
    if head and _looks_like_text(head):
        lowered = head[:512].lstrip().lower()
        if lowered.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script")):
            return None
        return TEXT
    return None


def _read_head(file, size: int = 2048) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def clean_file_name(name: str | None) -> str:
    """The upload's own name for display only: without any directory part, normalised."""
    base = PurePath((name or "").replace("\\", "/")).name
    return normalize_text(base)[:200] or "file"


def validate_attachment(upload: UploadedFile) -> FileType:
    """The upload's type; raises ValidationError({"attachments": ...}) for anything else."""
    limit = max_bytes()
    name = clean_file_name(upload.name)
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "attachments": [
                    _("%(name)s is too large; the limit is %(mb)s MB.")
                    % {"name": name, "mb": limit // (1024 * 1024)}
                ]
            }
        )
    if not upload.size:
        raise ValidationError({"attachments": [_("%(name)s is empty.") % {"name": name}]})
    file_type = detect_file_type(_read_head(upload), name)
    if file_type is None:
        raise ValidationError(
            {
                "attachments": [
                    _(
                        "%(name)s is not an accepted file type (PDF, image, plain text, "
                        "Word, Excel, PowerPoint or ZIP)."
                    )
                    % {"name": name}
                ]
            }
        )
    return file_type


def validate_attachments(uploads) -> list[tuple[UploadedFile, FileType]]:
    uploads = [u for u in uploads or () if u]
    if len(uploads) > MAX_FILES:
        raise ValidationError(
            {"attachments": [_("Attach at most %(n)s files at once.") % {"n": MAX_FILES}]}
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, validate_attachment(upload)))
        except ValidationError as exc:
            errors.extend(exc.message_dict["attachments"])
    if errors:
        raise ValidationError({"attachments": errors})
    return checked


def _ascii_filename(attachment: TicketAttachment, extension: str) -> str:
    stem = PurePath(attachment.name).stem
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
    return f"{ascii_stem or f'attachment-{attachment.pk}'}{extension}"


def attachment_response(attachment: TicketAttachment) -> HttpResponse:
    """Serve the file; the caller has already checked the user may see its ticket."""
    storage = attachment.file.storage
    name = attachment.file.name
    if not name or not storage.exists(name):
        return HttpResponse(status=404)
    file_type = FILE_TYPES.get(attachment.content_type)
    if file_type is None:
        return HttpResponse(status=404)
    response = FileResponse(storage.open(name, "rb"), content_type=file_type.content_type)
    fallback = _ascii_filename(attachment, file_type.extension)
    disposition = "inline" if file_type.inline else "attachment"
    value = f'{disposition}; filename="{fallback}"'
    if attachment.name and attachment.name != fallback:
        value += f"; filename*=UTF-8''{quote(attachment.name, safe='')}"
    response["Content-Disposition"] = value
    response["Content-Type"] = file_type.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=0"
    return response
