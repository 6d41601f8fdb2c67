"""Which callback URLs foodscan may call: http(s) only, and only public addresses.

A URL is parsed by httpx, the parser the deliverer sends with, and refused if it holds control
characters or spaces (``urlsplit`` drops CR, LF and tab silently; httpx refuses them). A host
is resolved and every address it resolves to is checked (``ipaddress``): loopback, private,
link-local, site-local, shared (CGNAT), multicast, reserved and unspecified addresses are
refused, and so is an IPv6 address that carries such an IPv4 inside it (mapped, compatible,
SIIT, NAT64, 6to4, Teredo), so a client cannot aim the workers at the machine's own services
or its private network — unless ``FOODSCAN_WEBHOOK_ALLOW_PRIVATE`` says this deployment wants
that (tests, one box).
The check runs at submit and again before every delivery attempt, and the attempt connects to
the address that was checked (``checked_address``, ``pinned``), never resolving the name again,
so a name that changes what it resolves to between the check and the connect (DNS rebinding)
gains nothing. A name with several addresses is sent to the first.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import unicodedata
from dataclasses import dataclass

import httpx

from foodscan.errors import CallbackUnresolvable, InvalidCallbackUrl, WebhooksUnavailable
from foodscan.settings import Settings

MAX_URL = 2048  # the jobs.callback_url column
RESOLVE_TIMEOUT_S = 5.0
_PORTS = {"http": 80, "https": 443}

_MAX_PORT = 65535
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes whose last 32 bits are an IPv4 address the packets end up at.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291)
_SIIT = ipaddress.IPv6Network("::ffff:0:0:0/96")  # IPv4-translated (RFC 2765)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known NAT64 prefix (RFC 6052)
# Never public, whatever they embed: local-use NAT64 (RFC 8215), site-local (RFC 3879).
_NEVER_PUBLIC = (ipaddress.IPv6Network("64:ff9b:1::/48"), ipaddress.IPv6Network("fec0::/10"))


def _parse(url: str) -> tuple[str, int]:
    if len(url) > MAX_URL:
        raise InvalidCallbackUrl(f"the callback URL is over {MAX_URL} characters")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url):
        raise InvalidCallbackUrl("the callback URL has control characters or spaces")
    try:
        parts = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidCallbackUrl(f"the callback URL is malformed: {exc}") from exc
    if parts.scheme not in _PORTS:
        raise InvalidCallbackUrl("the callback URL must be http:// or https://")
    if not parts.host:
        raise InvalidCallbackUrl("the callback URL has no host")
    port = parts.port or _PORTS[parts.scheme]
    if not 0 < port <= _MAX_PORT:
        raise InvalidCallbackUrl(f"the callback URL is malformed: port {port} is out of range")
    return parts.host, port


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address packets to ``address`` are delivered to, if it embeds one: mapped,
    IPv4-compatible, SIIT, NAT64 (well-known prefix), 6to4 or a Teredo client."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    low = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    if address in _SIIT or address in _NAT64:
        return low
    if address in _IPV4_COMPATIBLE and int(low) > 1:  # ::, ::1 are IPv6's own
        return low
    return None


def is_public(address: IpAddress) -> bool:
    """Whether ``address``, and any IPv4 it carries, is a global unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local or any(address in net for net in _NEVER_PUBLIC):
            return False
        inside = embedded_ipv4(address)
        if inside is not None:
            return is_public(inside)
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


async def checked_address(url: str, *, allow_private: bool) -> IpAddress:
    """The address to send ``url``'s request to: its host resolved and, unless
    ``allow_private``, every address it resolves to checked. The request must connect to this
    very address (``pinned``), so a name that resolves elsewhere a moment later (DNS
    rebinding) cannot turn the check into a request to a private address.
    ``InvalidCallbackUrl`` or ``CallbackUnresolvable`` otherwise."""
    host, port = _parse(url)
    addresses = await resolve(host, port)
    refused = sorted({str(a) for a in addresses if not is_public(a)})
    if not allow_private and (refused or not addresses):
        raise InvalidCallbackUrl(
            f"the callback host {host} resolves to {', '.join(refused) or 'nothing'}: "
            "loopback, private and link-local addresses are refused"
        )
    if not addresses:
        raise CallbackUnresolvable(f"the callback host {host} does not resolve")
    return addresses[0]


@dataclass(frozen=True, slots=True)
class Pinned:
    """A request to a URL, sent to one checked address: the URL with that address as its host,
    the ``Host`` header the URL names, and (for https) the name TLS must verify."""

    url: httpx.URL
    host_header: str
    extensions: dict[str, str]


def pinned(url: str, address: IpAddress) -> Pinned:
    """``url`` sent to ``address``: the server still sees the URL's host, in the ``Host``
    header and, over TLS, as the server name its certificate is checked against."""
    parts = httpx.URL(url)
    name = parts.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS know it
    extensions = {"sni_hostname": name} if parts.scheme == "https" else {}
    return Pinned(parts.copy_with(host=str(address)), parts.netloc.decode("ascii"), extensions)


async def check_callback_url(url: str, *, allow_private: bool) -> str:
    """``url`` if foodscan may POST to it; ``InvalidCallbackUrl`` (with why) otherwise."""
    host, port = _parse(url)
    if allow_private:
        return url
    addresses = await resolve(host, port)
    refused = sorted({str(a) for a in addresses if not is_public(a)})
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
