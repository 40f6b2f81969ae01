"""A small IMAP4rev1 server for tests: just enough of the protocol (LOGIN, SELECT, UID SEARCH
UNSEEN, UID FETCH BODY.PEEK[], UID STORE +FLAGS \\Seen, LOGOUT) for the real imaplib client to
talk to it over a real socket."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    user: str
    password: str
    folder: str = "INBOX"
    messages: list[tuple[int, bytes]] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    commands: list[str] = field(default_factory=list)

    def add(self, raw: bytes) -> int:
        uid = len(self.messages) + 1
        self.messages.append((uid, raw))
        return uid


class _Handler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def send(self, line: str | bytes) -> None:
        data = line.encode() if isinstance(line, str) else line
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        logged_in = selected = False
        self.send("* OK [CAPABILITY IMAP4rev1] test server ready")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            box.commands.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGIN":
                user, password = (p.strip('"') for p in args.split(" ", 1))
                if (user, password) == (box.user, box.password):
                    logged_in = True
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
            elif command == "SELECT" and logged_in:
                if args.strip('"') != box.folder:
                    self.send(f"{tag} NO no such mailbox")
                    continue
                selected = True
                self.send(f"* {len(box.messages)} EXISTS")
                self.send("* 0 RECENT")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "UID" and selected:
                self._uid(tag, args, box)
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD unsupported or not allowed now")

    def _uid(self, tag: str, args: str, box: Mailbox) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            unseen = [str(uid) for uid, _raw in box.messages if uid not in box.seen]
            self.send("* SEARCH" + "".join(f" {u}" for u in unseen))
            self.send(f"{tag} OK SEARCH completed")
        elif sub == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            for seq, (message_uid, raw) in enumerate(box.messages, start=1):
                if message_uid == uid:
                    self.send(f"* {seq} FETCH (UID {uid} BODY[] {{{len(raw)}}}".encode())
                    self.wfile.write(raw)
                    self.send(")")
            self.send(f"{tag} OK FETCH completed")
        elif sub == "STORE":
            match = re.match(r"(\d+) \+FLAGS \(\\Seen\)", rest)
            if match:
                uid = int(match.group(1))
                box.seen.add(uid)
                self.send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))")
            self.send(f"{tag} OK STORE completed")
        else:
            self.send(f"{tag} BAD unsupported UID command")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ImapServer:
    """with ImapServer(mailbox) as (host, port): ..."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.mailbox = mailbox
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> tuple[str, int]:
        self.thread.start()
        return self.server.server_address

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
