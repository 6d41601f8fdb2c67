"""Retry backoff: exponential in the attempt, capped, with "equal jitter" inside known bounds."""

from __future__ import annotations

import itertools
import random

import pytest

from foodscan.retry import backoff_delay
from foodscan.settings import KindPolicy

POLICY = KindPolicy(backoff_base_s=2.0, backoff_max_s=60.0)


def ceiling(attempt: int) -> float:
    return min(POLICY.backoff_max_s, POLICY.backoff_base_s * 2 ** (attempt - 1))


@pytest.mark.parametrize("attempt", range(1, 12))
def test_delay_lies_between_half_the_ceiling_and_the_ceiling(attempt: int) -> None:
    rand = random.Random(attempt)
    delays = [backoff_delay(POLICY, attempt, rand) for _ in range(200)]
    assert min(delays) >= ceiling(attempt) / 2
    assert max(delays) <= ceiling(attempt)


def test_ceiling_doubles_with_each_attempt_until_the_cap() -> None:
    assert [ceiling(a) for a in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    tops = [backoff_delay(POLICY, a, FixedRandom(1.0)) for a in range(1, 8)]
    bottoms = [backoff_delay(POLICY, a, FixedRandom(0.0)) for a in range(1, 8)]
    assert tops == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert bottoms == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_delays_grow_exponentially_on_average() -> None:
    rand = random.Random(7)
    means = [
        sum(backoff_delay(POLICY, attempt, rand) for _ in range(500)) / 500
        for attempt in (1, 2, 3, 4)
    ]
    ratios = [later / earlier for earlier, later in itertools.pairwise(means)]
    assert all(1.8 < ratio < 2.2 for ratio in ratios), means


def test_cap_holds_for_huge_attempts() -> None:
    assert backoff_delay(POLICY, 500, FixedRandom(1.0)) == POLICY.backoff_max_s


def test_jitter_spreads_retries_apart() -> None:
    rand = random.Random(3)
    assert len({backoff_delay(POLICY, 4, rand) for _ in range(50)}) > 40


@pytest.mark.parametrize("attempt", [0, -3])
def test_attempt_below_one_is_treated_as_the_first(attempt: int) -> None:
    assert backoff_delay(POLICY, attempt, FixedRandom(1.0)) == POLICY.backoff_base_s


def test_zero_base_means_no_wait() -> None:
    assert backoff_delay(KindPolicy(backoff_base_s=0.0), 5) == 0.0


def test_without_a_random_source_it_still_stays_in_bounds() -> None:
    assert ceiling(3) / 2 <= backoff_delay(POLICY, 3) <= ceiling(3)


class FixedRandom(random.Random):
    """``uniform(a, b)`` at a fixed fraction of the way from a to b."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction
