"""Incoming e-mail shared by every gateway (leads, service desk): parse one RFC 822 message,
tell auto-replies and bounces from people, and fetch unread messages from an IMAP folder.

What a message *means* (a lead, a ticket reply) is each app's business; this module only reads
mail. Messages arrive piped by the mail server to a management command (stdin) or fetched from
IMAP on a schedule; both paths end in the same `handler(raw_bytes, mailbox) -> status`."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html import unescape
from pathlib import PurePath

from django.utils.html import strip_tags

from peyvand.core.persian import normalize_text, to_latin_digits

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 20
# "Try again later" for a mail server's pipe transport (sysexits.h): the message is re-queued.
EX_TEMPFAIL = 75

_AUTO_SENDERS = ("mailer-daemon@", "postmaster@")
_BULK_PRECEDENCE = {"bulk", "auto_reply", "junk", "list"}
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


@dataclass
class MailAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedEmail:
    message_id: str
    from_name: str
    from_address: str
    to: str
    subject: str
    body: str
    auto_reply: bool
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, the nearest first (In-Reply-To, then References
        from the newest)."""
        seen: dict[str, None] = {}
        for message_id in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(message_id, None)
        return list(seen)


def header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header too broken for the parser
        value = message.get_all(name, [""])[0] if message.get_all(name) else ""
    return normalize_text(str(value or ""))


def message_ids(value: str) -> list[str]:
    """The Message-IDs of a In-Reply-To/References header, without angle brackets."""
    found = _MESSAGE_ID.findall(value or "")
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]  # some clients drop the brackets
    return [m[:190] for m in found]


def clean_message_id(value: str) -> str:
    return (value or "").strip().strip("<> ")[:190]


def is_auto_reply(message: EmailMessage, sender: str) -> bool:
    """Out-of-office answers, bounces and list or bulk mail: never a person writing to us."""
    auto_submitted = header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if header(message, "Precedence").lower() in _BULK_PRECEDENCE:
        return True
    if header(message, "Return-Path") == "<>":  # bounces have a null envelope sender
        return True
    return sender.lower().startswith(_AUTO_SENDERS)


def decode_part(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        for charset in (part.get_content_charset() or "", "utf-8", "cp1256"):
            try:
                return payload.decode(charset) if charset else payload.decode("utf-8")
            except (LookupError, UnicodeDecodeError):
                continue
        return payload.decode("utf-8", errors="replace")


def html_to_text(html: str) -> str:
    return unescape(strip_tags(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", html)))


def _body_part(message: EmailMessage):
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except (KeyError, AttributeError):  # a malformed MIME tree
        return None


def _body(part) -> str:
    if part is None:
        return ""
    text = decode_part(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return normalize_text(text, multiline=True)


def safe_filename(name: str, default: str = "attachment") -> str:
    """The last path component only, without control characters, at most 150 characters."""
    name = PurePath((name or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", normalize_text(name)).strip(" .")
    if not name:
        return default
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return f"{stem[: 149 - len(ext)]}.{ext}"
    return name[:150]


def _attachments(message: EmailMessage, body_part) -> list[MailAttachment]:
    found: list[MailAttachment] = []
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if not filename and disposition != "attachment":
            continue  # the other alternative of the body (HTML beside plain text)
        content = part.get_payload(decode=True) or b""
        found.append(
            MailAttachment(
                filename=safe_filename(filename or ""),
                content_type=part.get_content_type(),
                content=content,
            )
        )
        if len(found) >= MAX_ATTACHMENTS:
            break
    return found


def parse_message(raw: bytes) -> ParsedEmail:
    message = message_from_bytes(raw, policy=policy.default)
    from_name, from_address = parseaddr(header(message, "From"))
    to = ", ".join(addr for _name, addr in getaddresses([header(message, "To")]) if addr)
    body_part = _body_part(message)
    return ParsedEmail(
        message_id=clean_message_id(header(message, "Message-ID")),
        from_name=normalize_text(from_name),
        from_address=to_latin_digits(from_address).strip().lower(),
        to=to[:300],
        subject=header(message, "Subject")[:300],
        body=_body(body_part),
        auto_reply=is_auto_reply(message, from_address),
        in_reply_to=message_ids(header(message, "In-Reply-To")),
        references=message_ids(header(message, "References"))[-50:],
        attachments=_attachments(message, body_part),
        headers={
            name.lower(): header(message, name)
            for name in ("X-Loop", "X-Peyvand-Loop", "List-Id", "Date")
            if message.get(name)
        },
    )


# Where a reply's quoted history starts: "On <date>, <name> wrote:" (Gmail, Apple Mail, and
# Gmail's Persian "در تاریخ ... نوشت:"), Outlook's separator and header block, or our own marker.
# The marker line is "##- <any text> -##" (translated text between the two ends).
REPLY_ABOVE_MARKER = "##-"
_QUOTE_START = re.compile(
    r"^(?:On .{0,300}wrote:|در تاریخ .{0,300}نوشت:|-+ ?Original Message ?-+|_{10,}|"
    r"From: [^\n]+\n(?:Sent|Date): [^\n]+|" + re.escape(REPLY_ABOVE_MARKER) + r".*-##)\s*$",
    re.MULTILINE,
)


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply: the text above the quoted earlier message (and without trailing
    "> " lines). The whole text when nothing is left, so a message is never lost."""
    match = _QUOTE_START.search(text or "")
    head = text[: match.start()] if match else text
    lines = head.rstrip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    new = "\n".join(lines).strip()
    return new or (text or "").strip()


def read_raw_message(path: str | None = None) -> bytes:
    """One message from a file or standard input, at most MAX_MESSAGE_BYTES + 1 bytes (the
    caller rejects the oversized)."""
    if path:
        with open(path, "rb") as handle:
            return handle.read(MAX_MESSAGE_BYTES + 1)
    return sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)


# --- IMAP ------------------------------------------------------------------------------------


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "")
    return default if not value else value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True

    @classmethod
    def from_env(
        cls,
        prefix: str,
        *,
        host: str = "",
        port: int | None = None,
        user: str = "",
        folder: str = "",
        no_ssl: bool = False,
    ) -> ImapSettings | None:
        """`<prefix>_HOST`, `_PORT`, `_USER`, `_PASSWORD`, `_FOLDER`, `_SSL` from the environment,
        each overridden by a given value; None when the host or user is missing."""
        host = host or os.environ.get(f"{prefix}_HOST", "")
        user = user or os.environ.get(f"{prefix}_USER", "")
        if not host or not user:
            return None
        ssl = not no_ssl and _env_bool(f"{prefix}_SSL", True)
        port = port or int(os.environ.get(f"{prefix}_PORT") or (993 if ssl else 143))
        return cls(
            host=host,
            port=port,
            user=user,
            password=os.environ.get(f"{prefix}_PASSWORD", ""),
            folder=folder or os.environ.get(f"{prefix}_FOLDER", "") or "INBOX",
            ssl=ssl,
        )

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}/{self.folder}"


def fetch_mailbox(
    config: ImapSettings, handler: Callable[[bytes, str], str], *, limit: int = 100
) -> dict[str, int]:
    """Hand the unread messages of an IMAP folder to `handler(raw, mailbox)`, which returns a
    status to count; each message is marked read once handled.

    Messages are fetched with BODY.PEEK[], so one that fails (a database error) stays unread and
    is tried again next run."""
    counts: dict[str, int] = {}
    client_class = imaplib.IMAP4_SSL if config.ssl else imaplib.IMAP4
    client = client_class(config.host, config.port)
    try:
        client.login(config.user, config.password)
        status, _data = client.select(config.folder)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {config.folder!r}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:limit] if status == "OK" else []
        for uid in uids:
            status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(
                (item[1] for item in fetched or [] if isinstance(item, tuple) and len(item) > 1),
                None,
            )
            if status != "OK" or raw is None:
                counts["unreadable"] = counts.get("unreadable", 0) + 1
                continue
            try:
                result = handler(raw, config.label)
            except Exception:  # one bad message must not stop the others
                logger.exception("E-mail %s of %s could not be processed", uid, config.label)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            counts[result] = counts.get(result, 0) + 1
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return counts


class FetchError(Exception):
    """The mailbox could not be read (unreachable server, wrong password, missing folder)."""


def fetch_or_raise(
    config: ImapSettings, handler: Callable[[bytes, str], str], *, limit: int = 100
) -> dict[str, int]:
    try:
        return fetch_mailbox(config, handler, limit=limit)
    except OSError as exc:
        raise FetchError(f"Cannot reach {config.host}:{config.port}: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        raise FetchError(f"IMAP error: {exc}") from exc


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "no new messages"
