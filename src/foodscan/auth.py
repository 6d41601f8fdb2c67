"""Who is asking: HS256 bearer tokens (``sub`` = user, ``plan`` = lane) or the embedded local user.

With a secret key configured every request needs a valid token. Without one the server serves a
single local user and must stay on loopback: ``check_bind`` refuses any other address at start-up.
This module knows nothing of HTTP beyond the ``Authorization`` header's text.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass

import jwt

from foodscan.errors import AuthError, InvalidInput
from foodscan.jobs.states import Lane
from foodscan.settings import LOOPBACK_HOSTS, Settings

ALGORITHM = "HS256"
DEFAULT_TTL_S = 30 * 24 * 3600
# RFC 7518 §3.2: an HS256 key must be at least as long as the hash (PyJWT warns below it).
MIN_KEY_BYTES = 32
PLANS = frozenset(lane.value for lane in Lane)
# The users columns hold 200 characters; PostgreSQL text cannot hold NUL, nor UTF-8 a lone
# surrogate; control characters in a user id only ever hide something in logs.
MAX_USER_CHARS = 200
_UNUSABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
USER_RULE = f"1-{MAX_USER_CHARS} characters, none of them a control character"


@dataclass(frozen=True, slots=True)
class Principal:
    """The user a request acts for and the plan (lane) their jobs run in."""

    user_id: str
    plan: str


def signing_key(settings: Settings) -> str | None:
    """The configured key, or None in single-user mode; a key too short to be safe is refused."""
    if settings.secret_key is None:
        return None
    key = settings.secret_key.get_secret_value()
    if len(key.encode()) < MIN_KEY_BYTES:
        raise InvalidInput(
            f"FOODSCAN_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes long "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return key


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve on a non-loopback address without a secret key (and refuse a weak key)."""
    if signing_key(settings) is None and not is_loopback(host):
        raise InvalidInput(
            f"refusing to listen on {host}: without FOODSCAN_SECRET_KEY anyone who can reach "
            "the server acts as the local user; set a key or bind 127.0.0.1"
        )


def valid_user(user: object) -> bool:
    """Whether ``user`` can be a user id (a token's ``sub``) on every engine."""
    return (
        isinstance(user, str) and 0 < len(user) <= MAX_USER_CHARS and _UNUSABLE.search(user) is None
    )


def mint_token(settings: Settings, user: str, plan: str, ttl_s: int = DEFAULT_TTL_S) -> str:
    """A signed token for ``user`` in lane ``plan``, valid for ``ttl_s`` seconds."""
    key = signing_key(settings)
    if key is None:
        raise InvalidInput("no FOODSCAN_SECRET_KEY is configured; tokens cannot be minted")
    if plan not in PLANS:
        raise InvalidInput(f"unknown plan {plan!r}; use one of {', '.join(sorted(PLANS))}")
    if not valid_user(user):
        raise InvalidInput(f"the user must be {USER_RULE}")
    now = int(time.time())
    claims = {"sub": user, "plan": plan, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def authenticate(settings: Settings, authorization_header: str | None) -> Principal:
    """The principal behind an ``Authorization`` header; ``AuthError`` when it does not hold."""
    key = signing_key(settings)
    if key is None:
        return Principal(settings.local_user, settings.local_plan)
    if not authorization_header:
        raise AuthError("missing bearer token")
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(), key, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("the token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError("invalid token") from exc
    user, plan = claims.get("sub"), claims.get("plan")
    if not isinstance(user, str) or not user:
        raise AuthError("the token names no user")
    if not valid_user(user):
        raise AuthError(f"the token's user (sub) must be {USER_RULE}")
    if plan not in PLANS:
        raise AuthError("the token's plan claim must be one of: " + ", ".join(sorted(PLANS)))
    return Principal(user, str(plan))
