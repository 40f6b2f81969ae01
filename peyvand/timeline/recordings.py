"""Call recordings: accepted by content (never by file name) and served only through a view that
checks who may see the entry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from peyvand.core.persian import normalize_text

from .models import TimelineEntry


@dataclass(frozen=True)
class AudioType:
    content_type: str
    extension: str


MP3 = AudioType("audio/mpeg", ".mp3")
WAV = AudioType("audio/wav", ".wav")
OGG = AudioType("audio/ogg", ".ogg")
MP4 = AudioType("audio/mp4", ".m4a")
WEBM = AudioType("audio/webm", ".webm")
AUDIO_TYPES = {t.content_type: t for t in (MP3, WAV, OGG, MP4, WEBM)}

# MPEG-1 Layer III frame sync with the common version/layer bits (MPEG-1, 2 and 2.5).
_MP3_FRAME_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")


def detect_audio_type(head: bytes) -> AudioType | None:
    """The audio format of a file from its first bytes (at least 12), or None."""
    if head.startswith(b"ID3") or head[:2] in _MP3_FRAME_SYNC:
        return MP3
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"OggS":
        return OGG
    if head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM
    return None


def _read_head(file, size: int = 16) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def validate_recording(upload: UploadedFile) -> AudioType:
    """The upload's audio type; raises ValidationError({"recording": ...}) for anything else."""
    if upload.size is not None and upload.size > settings.RECORDING_MAX_BYTES:
        limit = settings.RECORDING_MAX_BYTES // (1024 * 1024)
        raise ValidationError(
            {
                "recording": [
                    _("The recording is too large; the limit is %(mb)s MB.") % {"mb": limit}
                ]
            }
        )
    if not upload.size:
        raise ValidationError({"recording": [_("The recording file is empty.")]})
    audio = detect_audio_type(_read_head(upload))
    if audio is None:
        raise ValidationError(
            {
                "recording": [
                    _("This file is not a supported audio recording (MP3, WAV, OGG, M4A or WebM).")
                ]
            }
        )
    return audio


def clean_recording_name(name: str | None) -> str:
    """The upload's own name for display only: without any directory part, normalised."""
    base = PurePath((name or "").replace("\\", "/")).name
    return normalize_text(base)[:200]


def _ascii_filename(entry: TimelineEntry, extension: str) -> str:
    stem = PurePath(entry.recording_name).stem
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
    return f"{ascii_stem or f'recording-{entry.pk}'}{extension}"


def _content_disposition(entry: TimelineEntry, audio: AudioType) -> str:
    fallback = _ascii_filename(entry, audio.extension)
    value = f'inline; filename="{fallback}"'
    full = entry.recording_name
    if full and full != fallback:
        value += f"; filename*=UTF-8''{quote(full, safe='')}"
    return value


_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single satisfiable range; None for a header we do not honour."""
    match = _RANGE_RE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    if match[1]:
        first = int(match[1])
        last = min(int(match[2]), size - 1) if match[2] else size - 1
    else:  # "bytes=-500": the last 500 bytes
        first, last = max(size - int(match[2]), 0), size - 1
    if match[1] and match[2] and int(match[2]) < first:
        # "bytes=500-100" is not a valid range (RFC 9110 14.1.1): ignore it, send the whole file
        # (answering 206 would claim a negative Content-Length).
        return None
    return first, last


def _iter_slice(file, first: int, last: int) -> Iterator[bytes]:
    try:
        file.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = file.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        file.close()


def recording_response(entry: TimelineEntry, range_header: str = "") -> HttpResponse:
    """Stream the recording; the caller has already checked the user may see `entry`.

    A single "Range: bytes=a-b" is answered with 206, which audio players need to seek."""
    storage = entry.recording.storage
    name = entry.recording.name
    if not name or not storage.exists(name):
        return HttpResponse(status=404)
    file = storage.open(name, "rb")
    audio = AUDIO_TYPES.get(entry.recording_content_type) or detect_audio_type(_read_head(file))
    if audio is None:
        file.close()
        return HttpResponse(status=404)
    size = storage.size(name)
    byte_range = _parse_range(range_header, size) if range_header else None
    if range_header and byte_range is not None and byte_range[0] >= size:
        file.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range is not None:
        first, last = byte_range
        response = StreamingHttpResponse(
            _iter_slice(file, first, last), status=206, content_type=audio.content_type
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    else:
        response = FileResponse(file, content_type=audio.content_type)
        response["Content-Length"] = str(size)
    response["Content-Type"] = audio.content_type
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = _content_disposition(entry, audio)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response
