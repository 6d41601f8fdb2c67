"""The clock seam: what "now" is for the jobs layer, passed in where time is read.

A ``Clock`` is a callable returning an aware UTC datetime. The edges (``serve``, ``cli``) pass
``utc_now``, the real one; tests pass their own (real time plus an offset they push forward), so
leases expire and backoffs pass without sleeping and without patching module globals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: now, in UTC."""
    return datetime.now(UTC)
