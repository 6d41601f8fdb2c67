"""Deadlines for reading a request, so a slow or stalled client cannot hold a connection open.

uvicorn bounds only the idle time between two requests of a connection (``timeout_keep_alive``):
a client that sends half a request head, or a body one byte a minute, keeps its connection (and
the request's task) forever. ``protocol_class`` makes uvicorn's httptools protocol enforce two
deadlines on top:

- the request head must be complete within ``header_timeout_s`` of its first byte (or of the
  connection, for its first request); else ``408 request_timeout`` and the connection closes;
- while the body arrives, at most ``body_timeout_s`` may pass without a byte; else the
  connection closes (the route sees the client leave). Time the server itself spends not
  reading (flow control paused) does not count.

A WebSocket upgrade leaves both to the WebSocket protocol. Only ``foodscan serve`` uses this.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from foodscan.api.problems import answer
from foodscan.errors import RequestTimeout

logger = logging.getLogger(__name__)


def _timeout_response(seconds: float) -> bytes:
    problem = answer(RequestTimeout(f"the request head did not arrive within {seconds:g} s"))
    head = [
        b"HTTP/1.1 408 Request Timeout",
        b"content-type: " + str(problem.media_type).encode(),
        b"content-length: " + str(len(problem.body)).encode(),
        b"connection: close",
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + bytes(problem.body)


def protocol_class(header_timeout_s: float, body_timeout_s: float) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with these read deadlines (``uvicorn.Config(http=...)``)."""

    class DeadlineProtocol(HttpToolsProtocol):
        _head_timer: asyncio.TimerHandle | None = None
        _body_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm_head()

        def on_headers_complete(self) -> None:
            self._cancel()
            self._body_timer = self.loop.call_later(body_timeout_s, self._body_late)
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            self._cancel()
            self._body_timer = self.loop.call_later(body_timeout_s, self._body_late)
            super().on_body(body)

        def on_message_complete(self) -> None:
            self._cancel()
            super().on_message_complete()

        def handle_websocket_upgrade(self) -> None:
            self._cancel()
            super().handle_websocket_upgrade()

        def _arm_head(self) -> None:
            self._cancel()
            self._head_timer = self.loop.call_later(header_timeout_s, self._head_late)

        def _cancel(self) -> None:
            for timer in (self._head_timer, self._body_timer):
                if timer is not None:
                    timer.cancel()
            self._head_timer = self._body_timer = None

        def _head_late(self) -> None:
            if not self.transport.is_closing():
                logger.info("closing a connection whose request head is late: %s", self.client)
                self.transport.write(_timeout_response(header_timeout_s))
                self.transport.close()

        def _body_late(self) -> None:
            if self.flow.read_paused:  # we are not reading: the client is not late
                self._body_timer = self.loop.call_later(body_timeout_s, self._body_late)
                return
            if not self.transport.is_closing():
                logger.info("closing a connection whose request body stalled: %s", self.client)
                self.transport.close()

    return DeadlineProtocol
