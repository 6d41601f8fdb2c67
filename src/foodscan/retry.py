"""Retry backoff, shared by jobs and webhook deliveries: exponential, capped, with jitter.

Pure: the caller passes the policy and, in tests, the random source.
"""

from __future__ import annotations

import random

from foodscan.settings import KindPolicy


def backoff_delay(policy: KindPolicy, attempt: int, rand: random.Random | None = None) -> float:
    """Seconds before attempt ``attempt + 1``: exponential, capped, with "equal jitter"."""
    ceiling = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** max(0, attempt - 1))
    return float(ceiling / 2 + (rand or random).uniform(0, ceiling / 2))
