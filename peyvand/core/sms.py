"""Text messages (SMS), through a pluggable backend like Django's e-mail backends.

settings.SMS_BACKEND:
- "console" (default): print to stdout (development);
- "locmem": keep messages in `peyvand.core.sms.outbox` (tests);
- "file": append one JSON line per message to settings.SMS_FILE_PATH;
- any dotted path to a class with `send(to: str, text: str) -> None` (an SMS provider's API).

Callers pass an E.164 number (peyvand.core.phones.normalize_phone)."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass
class SmsMessage:
    to: str
    text: str


outbox: list[SmsMessage] = []
_file_lock = threading.Lock()


class SmsError(Exception):
    """The provider refused or could not be reached; the caller decides whether to retry."""


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}: {text}\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, to: str, text: str) -> None:
        outbox.append(SmsMessage(to, text))


class FileBackend:
    def send(self, to: str, text: str) -> None:
        path = Path(getattr(settings, "SMS_FILE_PATH", "") or settings.VAR_DIR / "sms.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": to, "text": text}, ensure_ascii=False
        )
        with _file_lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


_BACKENDS = {"console": ConsoleBackend, "locmem": LocmemBackend, "file": FileBackend}


def get_backend():
    name = getattr(settings, "SMS_BACKEND", "") or "console"
    backend_class = _BACKENDS.get(name) or import_string(name)
    return backend_class()


def send_sms(to: str, text: str) -> None:
    """Send one text message now (call it from a background job for bulk sending)."""
    get_backend().send(to, text)
