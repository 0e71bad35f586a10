"""A tiny real SMTP server for tests: Django's SMTP backend talks to it over TCP.

The standard library lost its SMTP server (smtpd) in Python 3.12, and aiosmtpd would be a new
dependency for a few dozen lines; this one speaks enough of RFC 5321 for smtplib (EHLO/HELO,
MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps what it received.

    with SmtpSink() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        ...
        assert smtp.messages[0].rcpt_to == ["jane@example.com"]

`smtp.fail_next(n)` answers the next n messages with a temporary failure (451) at the end
of DATA, so retries can be tested against a real server.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class _State:
    messages: list[ReceivedMessage] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state: _State = self.server.state  # type: ignore[attr-defined]
        self.reply("220 localhost Servicebook test SMTP")
        mail_from, rcpt_to = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                mail_from, rcpt_to = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt_to.append(line.split(":", 1)[1].strip().split()[0].strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    data_line = self.rfile.readline()
                    if not data_line or data_line in (b".\r\n", b".\n"):
                        break
                    if data_line.startswith(b".."):
                        data_line = data_line[1:]
                    chunks.append(data_line)
                with state.lock:
                    if state.failures_left > 0:
                        state.failures_left -= 1
                        self.reply("451 Try again later")
                        continue
                    state.messages.append(ReceivedMessage(mail_from, rcpt_to, b"".join(chunks)))
                self.reply("250 OK: queued")
            elif verb == "RSET":
                mail_from, rcpt_to = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """An SMTP server on 127.0.0.1 and a free port, in a thread, for the duration of a
    `with` block."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._state = _State()
        self._server = _Server((host, 0), _Handler)
        self._server.state = self._state  # type: ignore[attr-defined]
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._state.lock:
            return list(self._state.messages)

    def fail_next(self, count: int) -> None:
        with self._state.lock:
            self._state.failures_left = count

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
