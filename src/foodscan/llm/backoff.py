"""How long to wait before the next attempt of an LLM call: exponential backoff with jitter, and
the server's own ``Retry-After`` (seconds or an HTTP date; OpenAI's ``retry-after-ms`` too).

Pure functions: the client does the waiting.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The wait the server asked for, in seconds, or ``None`` when it asked for none."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return max(0.0, millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _number(value: str | None) -> float | None:
    """``value`` as a finite number, or None (absent, an HTTP date, garbage)."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def delay(
    attempt: int,
    *,
    base_s: float,
    max_s: float,
    asked_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait after failed attempt ``attempt`` (1, 2, …): ``base_s`` doubled per attempt,
    capped at ``max_s``, with jitter (half to all of it); never less than ``asked_s``."""
    backoff = min(max_s, base_s * 2 ** (attempt - 1))
    jittered = backoff * (0.5 + rand() / 2)
    return float(max(jittered, asked_s or 0.0))
