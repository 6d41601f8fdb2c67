"""Which callback URLs foodscan may call: http(s) only, and only public addresses.

A host is resolved and every address it resolves to is checked (``ipaddress``): loopback,
private, link-local, shared (CGNAT), multicast, reserved and unspecified addresses are refused,
so a client cannot aim the workers at the machine's own services or its private network —
unless ``FOODSCAN_WEBHOOK_ALLOW_PRIVATE`` says this deployment wants that (tests, one box).
The check runs at submit and again before every delivery attempt; a name that changes what it
resolves to between that check and httpx's own connect is not caught (documented limit).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from foodscan.errors import CallbackUnresolvable, InvalidCallbackUrl, WebhooksUnavailable
from foodscan.settings import Settings

MAX_URL = 2048  # the jobs.callback_url column
RESOLVE_TIMEOUT_S = 5.0
_PORTS = {"http": 80, "https": 443}

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(url: str) -> tuple[str, int]:
    if len(url) > MAX_URL:
        raise InvalidCallbackUrl(f"the callback URL is over {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidCallbackUrl(f"the callback URL is malformed: {exc}") from exc
    if parts.scheme not in _PORTS:
        raise InvalidCallbackUrl("the callback URL must be http:// or https://")
    if not parts.hostname:
        raise InvalidCallbackUrl("the callback URL has no host")
    return parts.hostname, port or _PORTS[parts.scheme]


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to; ``CallbackUnresolvable`` if none (or too slowly)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        raise CallbackUnresolvable(f"the callback host {host} does not resolve") from exc
    # An IPv6 link-local answer may carry a zone ("fe80::1%eth0"): the address is before it.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_callback_url(url: str, *, allow_private: bool) -> str:
    """``url`` if foodscan may POST to it; ``InvalidCallbackUrl`` (with why) otherwise."""
    host, port = _parse(url)
    if allow_private:
        return url
    addresses = await resolve(host, port)
    refused = sorted({str(a) for a in addresses if not _public(a)})
    if refused or not addresses:
        raise InvalidCallbackUrl(
            f"the callback host {host} resolves to {', '.join(refused) or 'nothing'}: "
            "loopback, private and link-local addresses are refused"
        )
    return url


async def accept_callback_url(url: str | None, settings: Settings) -> str | None:
    """A submit's ``callback_url``, checked: refused when this server cannot sign webhooks."""
    if url is None:
        return None
    if settings.webhook_secret is None:
        raise WebhooksUnavailable(
            "this server sends no webhooks (FOODSCAN_WEBHOOK_SECRET is not set); "
            "drop callback_url or follow the job over SSE"
        )
    return await check_callback_url(url, allow_private=settings.webhook_allow_private)
