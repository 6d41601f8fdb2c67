"""A WebSocket client of the app at the ASGI level, for the API suite: each message as the app
sends it, the close code, and the refusal (one error message, then the close) of a refused one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI

from tests.integration.api.support import WAIT_S

QUIET_S = 0.3  # after the expected events: long enough for a leaked one to arrive


class Socket:
    """One WebSocket client of the app at the ASGI level: its messages as they are sent."""

    def __init__(self, app: FastAPI, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.app = app
        self.scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [
                (k.lower().encode(), v.encode())
                for k, v in ({"host": "127.0.0.1:8000"} | (headers or {})).items()
            ],
            "client": ("127.0.0.1", 50002),
            "server": ("127.0.0.1", 8000),
            "subprotocols": [],
        }
        self.sent: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self.close_code: int | None = None
        self._leave = asyncio.Event()
        self._connected = False
        self._task: asyncio.Task[None] | None = None

    async def _receive(self) -> MutableMapping[str, Any]:
        if not self._connected:
            self._connected = True
            return {"type": "websocket.connect"}
        await self._leave.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        await self.sent.put(message)

    async def __aenter__(self) -> Socket:
        self._task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._leave.set()
        assert self._task is not None
        await asyncio.wait_for(self._task, WAIT_S)

    async def next(self, within: float = WAIT_S) -> dict[str, Any] | None:
        """The next message (decoded), or None once the app closed the socket."""
        while self.close_code is None:
            message = await asyncio.wait_for(self.sent.get(), within)
            if message["type"] == "websocket.send":
                value: dict[str, Any] = json.loads(message["text"])
                return value
            if message["type"] == "websocket.close":
                self.close_code = message.get("code", 1000)
        return None

    async def events(self, until: str | None = None, count: int | None = None) -> list[Any]:
        """Messages until one of type ``until`` (or ``count`` of them), then what else arrives
        within ``QUIET_S``; an event that should not be there is caught by the caller."""
        got: list[dict[str, Any]] = []
        while (message := await self.next()) is not None:
            got.append(message)
            if message["type"] == until or (count is not None and len(got) >= count):
                break
        with_leak = await self._more()
        return got + with_leak

    async def _more(self) -> list[dict[str, Any]]:
        more = []
        try:
            while (message := await self.next(QUIET_S)) is not None:
                more.append(message)
        except TimeoutError:
            pass  # quiet: nothing else came
        return more

    async def refusal(self) -> tuple[int | None, dict[str, Any] | None]:
        """The error message and the close code of a refused socket."""
        message = await self.next()
        assert await self.next() is None, "a refused socket stayed open"
        return self.close_code, message
