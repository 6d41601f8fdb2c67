"""auth: minting and checking tokens, the single local user, and the refusal to bind openly."""

from __future__ import annotations

import time

import jwt
import pytest

from foodscan.auth import Principal, authenticate, check_bind, mint_token
from foodscan.errors import AuthError, InvalidInput
from foodscan.serve import create_app
from foodscan.settings import Settings

KEY = "unit-test-signing-key-that-is-long-enough"
OTHER_KEY = "another-signing-key-that-is-long-enough"
WEAK_KEY = "short"


@pytest.fixture
def keyed(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=KEY)


@pytest.fixture
def keyless(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, local_user="me", local_plan="free")


def test_minted_token_authenticates_as_its_user_and_plan(keyed: Settings) -> None:
    token = mint_token(keyed, "alice", "free", ttl_s=60)

    assert authenticate(keyed, f"Bearer {token}") == Principal("alice", "free")
    assert authenticate(keyed, f"bearer   {token}  ") == Principal("alice", "free")
    claims = jwt.decode(token, KEY, algorithms=["HS256"])
    assert claims["sub"] == "alice"
    assert claims["plan"] == "free"
    assert 55 <= claims["exp"] - int(time.time()) <= 60


def test_expired_token_is_refused(keyed: Settings) -> None:
    token = mint_token(keyed, "alice", "paid", ttl_s=-10)

    with pytest.raises(AuthError, match="expired"):
        authenticate(keyed, f"Bearer {token}")


def test_token_of_another_key_is_refused(keyed: Settings, tmp_path) -> None:
    other = Settings(data_dir=tmp_path, secret_key=OTHER_KEY)
    token = mint_token(other, "alice", "paid")

    with pytest.raises(AuthError):
        authenticate(keyed, f"Bearer {token}")


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Token abc", "Bearer a.b.c"])
def test_missing_or_malformed_header_is_refused(keyed: Settings, header) -> None:
    with pytest.raises(AuthError):
        authenticate(keyed, header)


def test_without_a_key_everyone_is_the_local_user(keyless: Settings) -> None:
    assert authenticate(keyless, None) == Principal("me", "free")
    assert authenticate(keyless, "Bearer whatever") == Principal("me", "free")


@pytest.mark.parametrize(("user", "plan"), [("alice", "gold"), ("", "paid")])
def test_mint_refuses_bad_claims(keyed: Settings, user: str, plan: str) -> None:
    with pytest.raises(InvalidInput):
        mint_token(keyed, user, plan)


def test_mint_needs_a_key(keyless: Settings) -> None:
    with pytest.raises(InvalidInput, match="SECRET_KEY"):
        mint_token(keyless, "alice", "paid")


def test_short_key_is_refused(tmp_path) -> None:
    weak = Settings(data_dir=tmp_path, secret_key=WEAK_KEY)

    with pytest.raises(InvalidInput, match="at least 32 bytes"):
        check_bind(weak, "127.0.0.1")
    with pytest.raises(InvalidInput, match="at least 32 bytes"):
        authenticate(weak, "Bearer x")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_without_a_key_is_allowed(keyless: Settings, host: str) -> None:
    check_bind(keyless, host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com"])  # noqa: S104
def test_open_address_without_a_key_is_refused(keyless: Settings, keyed: Settings, host) -> None:
    with pytest.raises(InvalidInput, match="FOODSCAN_SECRET_KEY"):
        check_bind(keyless, host)
    check_bind(keyed, host)


def test_app_for_an_open_address_without_a_key_is_refused(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, host="0.0.0.0")  # noqa: S104 - the case under test

    with pytest.raises(InvalidInput):
        create_app(settings)
