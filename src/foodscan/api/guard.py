"""Requests a browser was tricked into sending: the Host allow-list and the cross-site check.

Without a secret key the server acts for its one local user for anyone who reaches it, so any
web page the user visits could use it. Two checks, as ASGI middleware, run before any route:

- **Host** (DNS rebinding: a page of ``attacker.example`` whose name now resolves to 127.0.0.1
  is same-origin with the server): only loopback names (``127.0.0.1``, ``localhost``,
  ``[::1]``, any port) and ``FOODSCAN_ALLOWED_HOSTS`` are answered; anything else is
  ``421 host_not_allowed``. With a key, Host is checked only where that list is set.
- **Cross-site** (CSRF, cross-site WebSocket hijacking): a state-changing request (any method
  but GET, HEAD, OPTIONS) and every WebSocket handshake whose ``Origin`` is not the server's
  own (the origin whose host and port are the request's Host) nor one of
  ``FOODSCAN_ALLOWED_ORIGINS``, or that carries no Origin but ``Sec-Fetch-Site: cross-site`` or
  ``same-site``, is ``403 cross_site_request``. Clients that are not browsers send neither
  header and pass. With a key nothing is checked: a foreign page cannot have the token.

A refused WebSocket is accepted, sent one error message and closed with 4000 + the status, as
every other WebSocket refusal (``routes/ws.py``). This module reads headers only.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from foodscan.api.problems import answer, status_of
from foodscan.auth import is_loopback
from foodscan.errors import CrossSiteRequest, FoodscanError, HostNotAllowed
from foodscan.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_CLOSE_BASE = 4000


def split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` (``[v6]:port`` too) as a lower-case name and port; None if malformed."""
    try:
        parts = urlsplit("//" + value.strip())
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not name or parts.path or parts.query or parts.username is not None:
        return None
    return name.lower(), port


class Guard:
    """ASGI middleware refusing foreign Hosts and cross-site requests (see the module doc)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.keyless = settings.secret_key is None
        self.hosts = frozenset(settings.allowed_hosts)
        self.origins = frozenset(settings.allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        try:
            self.check(scope)
        except FoodscanError as exc:
            await _refuse(scope, receive, send, exc)
            return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> None:
        """Raise ``HostNotAllowed`` or ``CrossSiteRequest`` for a request to refuse."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.keyless or self.hosts:
            self._check_host(host)
        if not self.keyless:
            return
        if scope["type"] == "http" and scope["method"] in SAFE_METHODS:
            return
        origin = headers.get("origin")
        if origin is not None:
            if not self._own_origin(origin, host):
                raise CrossSiteRequest(f"requests from pages of {origin} are not accepted here")
        elif headers.get("sec-fetch-site", "").lower() in FOREIGN_FETCH_SITES:
            raise CrossSiteRequest("requests from pages of another site are not accepted here")

    def _check_host(self, host: str) -> None:
        found = split_host(host)
        if found is None:
            raise HostNotAllowed("the request names no valid Host")
        name, _port = found
        if not (is_loopback(name) or name in self.hosts):
            raise HostNotAllowed(
                f"this server does not answer to {name!r}; list it in FOODSCAN_ALLOWED_HOSTS "
                "if a proxy forwards that name"
            )

    def _own_origin(self, origin: str, host: str) -> bool:
        value = origin.strip().lower().rstrip("/")
        if value in self.origins:
            return True
        parts = urlsplit(value)
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return False
        own = split_host(host)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname or own is None:
            return False  # "null" (a sandboxed or file: page) and anything else malformed
        name, own_port = own
        return (parts.hostname, port) == (name, own_port or DEFAULT_PORTS[parts.scheme])


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: FoodscanError) -> None:
    if scope["type"] == "http":
        await answer(exc)(scope, receive, send)
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    error = {"type": "error", "code": exc.code, "message": exc.message}
    await send({"type": "websocket.send", "text": json.dumps(error)})
    code = _CLOSE_BASE + status_of(type(exc))
    await send({"type": "websocket.close", "code": code, "reason": exc.code})
