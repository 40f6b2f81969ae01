"""Storing an uploaded file so that a failing storage (a full disk, an unreachable bucket) gives
a clear error and leaves nothing behind: no half-written file, and, because callers store the
file before writing the database row (or inside the row's transaction), no record pointing at a
missing file."""

from __future__ import annotations

import contextlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def storage_failed_message() -> str:
    return _(
        "The file could not be stored: the server's storage is full or unavailable. Nothing was"
        " saved; please try again later."
    )


def save_upload(field_file: FieldFile, name: str, upload: UploadedFile, *, field: str) -> str:
    """`field_file.save(name, upload, save=False)`, except that a storage error (OSError:
    ENOSPC, EIO, a refused connection to object storage) removes the partly written file and
    raises ValidationError({field: [...]}), which pages show next to the field and the API
    answers as 422. Returns the stored name."""
    storage = field_file.storage
    target = field_file.field.generate_filename(field_file.instance, name)
    target = storage.get_available_name(target, max_length=field_file.field.max_length)
    try:
        stored = storage.save(target, upload, max_length=field_file.field.max_length)
    except OSError as exc:
        logger.error("storing %s failed: %s", target, exc)
        with contextlib.suppress(OSError):  # a partial file, if the storage got that far
            storage.delete(target)
        raise ValidationError({field: [storage_failed_message()]}) from exc
    field_file.name = stored
    setattr(field_file.instance, field_file.field.attname, stored)
    field_file._committed = True
    return stored
