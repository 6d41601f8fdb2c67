"""Which callback URLs are refused: schemes, shapes and every non-public address (literal IPs and
``localhost``, so no DNS server is needed)."""

from __future__ import annotations

import ipaddress

import pytest

from foodscan.errors import CallbackUnresolvable, InvalidCallbackUrl, WebhooksUnavailable
from foodscan.settings import Settings
from foodscan.webhooks.targets import (
    accept_callback_url,
    check_callback_url,
    checked_address,
    embedded_ipv4,
    is_public,
    pinned,
)

SECRET = "whsec_" + "A" * 32


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://127.1.2.3/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.0.0.7/hook",
        "http://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://2130706433/hook",  # 127.0.0.1 as one number
        # IPv6 forms that carry a loopback, private or link-local IPv4 inside them:
        "http://[::127.0.0.1]/hook",  # IPv4-compatible
        "http://[::7f00:1]/hook",  # the same, in hex
        "http://[::ffff:0:7f00:1]/hook",  # SIIT (IPv4-translated)
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 to 169.254.169.254
        "http://[64:ff9b::a00:7]/hook",  # NAT64 to 10.0.0.7
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/hook",  # 6to4 of 192.168.1.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo to 127.0.0.1
        "http://[64:ff9b:1::a00:7]/hook",  # local-use NAT64 (RFC 8215)
        "http://[fec0::1]/hook",  # deprecated site-local
        "http://[::]/hook",
    ],
)
async def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidCallbackUrl, match=r"refused|resolve"):
        await check_callback_url(url, allow_private=False)


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::127.0.0.1", "127.0.0.1"),
        ("::7f00:1", "127.0.0.1"),
        ("::ffff:0:7f00:1", "127.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("2002:7f00:1::", "127.0.0.1"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),
        ("2606:4700:4700::1111", None),
        ("::1", None),
        ("::", None),
    ],
)
def test_the_ipv4_inside_an_ipv6_address_is_found(address: str, inside: str | None) -> None:
    found = embedded_ipv4(ipaddress.IPv6Address(address))
    assert (str(found) if found else None) == inside


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("64:ff9b::5db8:d822", True),  # NAT64 to 93.184.216.34
        ("2002:5db8:d822::1", True),  # 6to4 of 93.184.216.34
        ("::ffff:93.184.216.34", True),
        ("::ffff:0:7f00:1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("224.0.0.1", False),
    ],
)
def test_is_public_looks_through_embedded_ipv4(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook\r\nX-Injected: 1",
        "http://93.184.216.34/ho\nok",
        "http://93.184.216.34/ho\tok",
        "http://93.184.216.34/ho\x00ok",
        "http://93.184.216.34/ho ok",
        "http://93.184.216.34/ho\x7fok",
        "http://93.184.216.34/ho\x85ok",
        "http://93.184.216.34/ho\u2028ok",
        " http://93.184.216.34/hook",
    ],
)
async def test_urls_with_control_characters_or_spaces_are_refused(url: str) -> None:
    # urlsplit drops CR, LF and tab silently; httpx refuses them on every delivery attempt.
    with pytest.raises(InvalidCallbackUrl, match="control characters or spaces"):
        await check_callback_url(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.216.34/x", "http"),
        ("file:///etc/passwd", "http"),
        ("javascript:alert(1)", "http"),
        ("http:///path-only", "no host"),
        ("http://93.184.216.34:99999/x", "malformed"),
        ("https://93.184.216.34/" + "x" * 2100, "2048"),
    ],
)
async def test_malformed_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(InvalidCallbackUrl, match=message):
        await check_callback_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url", ["https://93.184.216.34/hooks?x=1", "http://[2606:4700:4700::1111]:8443/h"]
)
async def test_public_addresses_pass(url: str) -> None:
    assert await check_callback_url(url, allow_private=False) == url


async def test_allow_private_lets_loopback_through() -> None:
    url = "http://127.0.0.1:9/hook"
    assert await check_callback_url(url, allow_private=True) == url


async def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(CallbackUnresolvable, match="does not resolve"):
        await check_callback_url("https://no-such-host.invalid/x", allow_private=False)


async def test_a_server_without_a_secret_takes_no_callback() -> None:
    with pytest.raises(WebhooksUnavailable):
        await accept_callback_url("https://93.184.216.34/x", Settings())
    assert await accept_callback_url(None, Settings()) is None
    settings = Settings(webhook_secret=SECRET)
    assert await accept_callback_url("https://93.184.216.34/x", settings) == (
        "https://93.184.216.34/x"
    )


@pytest.mark.parametrize(
    ("url", "address", "sent_to", "host", "extensions"),
    [
        (
            "https://Bücher.example:8443/hook?x=1",
            "127.0.0.1",
            "https://127.0.0.1:8443/hook?x=1",
            "xn--bcher-kva.example:8443",
            {"sni_hostname": "xn--bcher-kva.example"},
        ),
        (
            "http://hooks.example/h",
            "::1",
            "http://[::1]/h",
            "hooks.example",
            {},
        ),
    ],
)
def test_a_request_is_pinned_to_the_checked_address_under_its_own_name(
    url: str, address: str, sent_to: str, host: str, extensions: dict[str, str]
) -> None:
    target = pinned(url, ipaddress.ip_address(address))
    assert str(target.url) == sent_to
    assert target.host_header == host  # what the server sees in Host
    assert target.extensions == extensions  # and over TLS, the name its certificate must match


async def test_the_checked_address_is_the_one_resolved_and_allowed() -> None:
    assert str(await checked_address("http://127.0.0.1:9/h", allow_private=True)) == "127.0.0.1"
    with pytest.raises(InvalidCallbackUrl, match="loopback"):
        await checked_address("http://127.0.0.1:9/h", allow_private=False)
    with pytest.raises(CallbackUnresolvable):
        await checked_address("http://no-such-host.invalid/h", allow_private=True)
