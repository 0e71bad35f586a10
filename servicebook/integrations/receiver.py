"""A real webhook receiver on 127.0.0.1 for tests, the benchmark and the demo's how-to:
an http.server in a thread that verifies signatures, can fail a share of requests (500
before recording anything) or answer with a scripted sequence of statuses or delays, and
records each event id it accepted, with duplicates counted.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import signing


class Receiver:
    """Start with `with Receiver(secret=...) as r:`; `r.url` is where to send."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        fail_rate: float = 0.0,
        script: list[int | float] | None = None,
        seed: int = 1,
    ):
        # script: per request, an int is the status to answer (before recording unless
        # 2xx); a float is a delay in seconds before answering 200.
        self.secret = secret
        self.fail_rate = fail_rate
        self.script = list(script or [])
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted: Counter[str] = Counter()
        self.requests = 0
        self.bad_signatures = 0
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _answer(self, handler, status: int, text: str = "") -> None:
        data = text.encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up (its timeout): nothing to answer

    def _handle(self, handler, body: bytes) -> None:
        with self.lock:
            self.requests += 1
            step = self.script.pop(0) if self.script else None
            fail = self.fail_rate and self.rng.random() < self.fail_rate
        if isinstance(step, float):
            time.sleep(step)
        elif isinstance(step, int) and not 200 <= step < 300:
            return self._answer(handler, step, f"scripted {step}")
        if fail:
            return self._answer(handler, 500, "injected failure")
        if self.secret is not None:
            try:
                signing.verify(self.secret, body, handler.headers.get(signing.HEADER))
            except signing.SignatureInvalid as exc:
                with self.lock:
                    self.bad_signatures += 1
                return self._answer(handler, 400, str(exc))
        event_id = handler.headers.get("Servicebook-Event-Id", "")
        with self.lock:
            self.accepted[event_id] += 1
            self.bodies.append(body)
            self.headers.append(dict(handler.headers.items()))
        self._answer(handler, 200, json.dumps({"ok": True}))

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.accepted.values() if n > 1)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
