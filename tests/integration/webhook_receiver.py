"""A real webhook receiver for the tests: an HTTP server on a free loopback port, in a thread.

It answers each POST with the next status of its script (200 once the script is used up) and
keeps every request; ``next_request`` awaits the next one under a deadline (no sleeping).
``verify`` checks a request's Standard Webhooks signature from the spec alone (hmac, base64),
independently of foodscan's own signing code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WAIT_S = 10.0
SECRET = "whsec_" + base64.b64encode(b"a test webhook key of 32 bytes!!").decode()


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Receiver:
    url: str
    script: list[int] = field(default_factory=list)
    requests: queue.Queue[Received] = field(default_factory=queue.Queue)
    seen: list[Received] = field(default_factory=list)

    async def next_request(self, within: float = WAIT_S) -> Received:
        try:
            got = await asyncio.to_thread(self.requests.get, timeout=within)
        except queue.Empty:
            raise AssertionError(f"no webhook arrived within {within} s") from None
        self.seen.append(got)
        return got

    def nothing_more(self) -> bool:
        return self.requests.empty()


def verify(secret: str, request: Received) -> None:
    """Check the three headers as the Standard Webhooks spec defines them."""
    msg_id = request.headers["webhook-id"]
    timestamp = request.headers["webhook-timestamp"]
    assert timestamp.isdigit()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [
        part.split(",", 1)[1]
        for part in request.headers["webhook-signature"].split(" ")
        if part.startswith("v1,")
    ]
    assert any(hmac.compare_digest(expected, sig) for sig in offered), "bad webhook signature"


@contextmanager
def running_receiver(script: list[int] | None = None) -> Iterator[Receiver]:
    """Serve on 127.0.0.1:<free port> until the block ends."""
    receiver = Receiver(url="", script=list(script or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            with lock:
                status = receiver.script.pop(0) if receiver.script else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.requests.put(Received(self.path, headers, body))

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: pytest shows failures, not every request."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/foodscan"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
