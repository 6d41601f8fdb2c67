"""Standard Webhooks signing, checked against the example in the spec's reference libraries."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from foodscan.settings import Settings
from foodscan.webhooks import signing

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - the spec's example
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_spec_example_signs_the_same() -> None:
    key = signing.secret_key(SPEC_SECRET)
    assert signing.signature(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_headers_carry_id_timestamp_and_signature() -> None:
    key = signing.secret_key(SPEC_SECRET)
    assert signing.headers(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }


def test_a_changed_body_or_timestamp_changes_the_signature() -> None:
    key = signing.secret_key(SPEC_SECRET)
    assert signing.signature(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY + " ") != SPEC_SIGNATURE
    assert signing.signature(key, SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY) != SPEC_SIGNATURE


@pytest.mark.parametrize(
    "secret",
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_c2hvcnQ=", "whsec_"],
)
def test_settings_refuse_a_secret_not_in_whsec_form(secret: str) -> None:
    with pytest.raises(ValidationError, match="whsec_"):
        Settings(webhook_secret=secret)


def test_settings_accept_the_spec_secret_and_keep_it_out_of_repr() -> None:
    settings = Settings(webhook_secret=SPEC_SECRET)
    assert SPEC_SECRET not in repr(settings)


def test_default_urls_must_be_http() -> None:
    with pytest.raises(ValidationError, match="http"):
        Settings(webhook_urls={"alice": "ftp://example.org/x"})


def test_default_urls_need_a_secret() -> None:
    with pytest.raises(ValidationError, match="FOODSCAN_WEBHOOK_SECRET"):
        Settings(webhook_urls={"alice": "https://example.org/x"})
