"""A token's user (``sub``) must fit every engine (issue 15, item 14), on both: 201 characters
or a NUL gave 500 on PostgreSQL only; now minting refuses such a user and a server answers such a
token with 401 and a clear message, the same on SQLite and PostgreSQL. 200 characters work.
"""

from __future__ import annotations

import time

import jwt
import pytest

from foodscan.auth import mint_token
from foodscan.errors import InvalidInput
from tests.integration.api.hostile import photo
from tests.integration.api.support import SECRET, Api

UNUSABLE = ["a" * 201, "ali\x00ce", "tab\there", "\ud800"]


def _forged(sub: str) -> dict[str, str]:
    """A token signed with the server's key whose ``sub`` ``mint_token`` would refuse."""
    now = int(time.time())
    claims = {"sub": sub, "plan": "free", "iat": now, "exp": now + 3600}
    # A lone surrogate cannot be UTF-8: send it as JSON's \\ud800 escape, as a client could.
    token = jwt.encode(claims, SECRET) if sub != "\ud800" else _escaped(now)
    return {"Authorization": f"Bearer {token}"}


def _escaped(now: int) -> str:
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = f'{{"sub":"\\ud800","plan":"free","iat":{now},"exp":{now + 3600}}}'.encode()
    signing_input = header + b"." + jwt.utils.base64url_encode(body)
    signature = jwt.api_jws.get_algorithm_by_name("HS256").sign(signing_input, SECRET.encode())
    return (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()


@pytest.mark.parametrize("sub", UNUSABLE, ids=["201-chars", "nul", "tab", "surrogate"])
async def test_a_token_whose_user_no_engine_can_store_is_401(secured_api: Api, sub: str) -> None:
    headers = _forged(sub)

    submitted = await secured_api.submit(photo(size=(40, 30)), headers=headers)
    listed = await secured_api.client.get("/v1/jobs", headers=headers)

    for response in (submitted, listed):
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "unauthorized"
        assert "sub" in response.json()["detail"]
    await secured_api.assert_nothing_stored()


async def test_a_user_of_200_characters_submits(secured_api: Api) -> None:
    headers = secured_api.auth("é" * 200)

    response = await secured_api.submit(photo(size=(40, 30)), headers=headers)

    assert response.status_code == 202, response.text


@pytest.mark.parametrize("sub", UNUSABLE, ids=["201-chars", "nul", "tab", "surrogate"])
async def test_such_a_user_is_refused_at_minting(secured_api: Api, sub: str) -> None:
    with pytest.raises(InvalidInput, match="200 characters"):
        mint_token(secured_api.settings, sub, "free")
