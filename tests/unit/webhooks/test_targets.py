"""Which callback URLs are refused: schemes, shapes and every non-public address (literal IPs and
``localhost``, so no DNS server is needed)."""

from __future__ import annotations

import pytest

from foodscan.errors import CallbackUnresolvable, InvalidCallbackUrl, WebhooksUnavailable
from foodscan.settings import Settings
from foodscan.webhooks.targets import accept_callback_url, check_callback_url

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
    ],
)
async def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidCallbackUrl, match=r"refused|resolve"):
        await check_callback_url(url, allow_private=False)


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
