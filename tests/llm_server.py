"""A small real HTTP server that speaks OpenAI's chat-completions protocol, for the LLM tests.

No real LLM endpoint is reachable from the test machines, so the provider is tested against
this: ``POST /v1/chat/completions`` on a free loopback port, served by stdlib asyncio in a
thread of its own (its loop keeps answering while a test's loop is busy). Each request takes
the next scripted ``Reply`` (``then``), or the default one: a valid answer, an error status
with ``Retry-After``, a slow answer, a malformed one. Every request is recorded with when it
arrived, when it was answered and when its client hung up before the answer (a cancelled call).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PATH = "/v1/chat/completions"
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


@dataclass(frozen=True)
class Reply:
    """What the server answers one request with.

    ``content``: the assistant message's text (a JSON answer, or anything malformed); ``body``
    replaces the whole HTTP body (a broken or error body); ``delay_s``: wait this long first,
    or until the client hangs up.
    """

    content: str | None = "{}"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay_s: float = 0.0
    prompt_tokens: int = 120
    completion_tokens: int = 30


def answer(data: Any, **reply: Any) -> Reply:  # Any: a JSON document and Reply's fields
    """A 200 reply whose message is ``data`` as JSON."""
    return Reply(content=json.dumps(data), **reply)


def error(status: int, retry_after: str | None = None, **reply: Any) -> Reply:  # Any: Reply's
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = json.dumps({"error": {"message": f"scripted {status}", "type": "test"}}).encode()
    return Reply(status=status, headers=headers, body=body, **reply)


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]  # Any: the request's JSON
    at: float  # time.monotonic()
    answered_at: float | None = None
    disconnected_at: float | None = None

    @property
    def user_text(self) -> str:
        """Every text part of the user messages, joined."""
        texts = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts += [part.get("text", "") for part in content if part.get("type") == "text"]
        return "\n".join(texts)

    @property
    def images(self) -> list[str]:
        return [
            part["image_url"]["url"]
            for message in self.body.get("messages", [])
            if isinstance(message.get("content"), list)
            for part in message["content"]
            if part.get("type") == "image_url"
        ]


class LlmServer:
    """The server; ``with LlmServer() as server`` runs it for the block."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
        self.requests: list[Received] = []
        self._script: deque[Reply] = deque()
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> LlmServer:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        started.result(timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def then(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order (then the default again)."""
        with self._changed:
            self._script.extend(replies)

    def wait_until(self, check: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until ``check()`` holds for the recorded requests (False after ``timeout``)."""
        with self._changed:
            return self._changed.wait_for(check, timeout)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _record(self, received: Received, **changes: float) -> None:
        with self._changed:
            for name, value in changes.items():
                setattr(received, name, value)
            self._changed.notify_all()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # one connection, many requests (keep-alive)
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                _, path, _ = request_line.split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (h.split(":", 1) for h in header_lines if ":" in h)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                received = Received(path, headers, json.loads(body or b"{}"), time.monotonic())
                with self._changed:
                    self.requests.append(received)
                    reply = self._script.popleft() if self._script else self.default
                    self._changed.notify_all()
                if reply.delay_s and await self._hung_up(reader, reply.delay_s):
                    self._record(received, disconnected_at=time.monotonic())
                    return
                writer.write(self._response(path, reply, received.body))
                await writer.drain()
                self._record(received, answered_at=time.monotonic())
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    @staticmethod
    async def _hung_up(reader: asyncio.StreamReader, delay_s: float) -> bool:
        """Wait ``delay_s``; True as soon as the client closes its side instead."""
        try:
            data = await asyncio.wait_for(reader.read(1), delay_s)
        except TimeoutError:
            return False
        return data == b""

    @staticmethod
    def _response(path: str, reply: Reply, request: dict[str, Any]) -> bytes:
        status, body = reply.status, reply.body
        if path != PATH:
            status, body = 404, b'{"error": {"message": "no such path"}}'
        if body is None:
            body = json.dumps(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": request.get("model", "test"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": reply.prompt_tokens,
                        "completion_tokens": reply.completion_tokens,
                        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                    },
                }
            ).encode()
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
