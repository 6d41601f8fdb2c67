"""The LLM circuit breaker: opens after N failures in a row, fails fast, lets one trial through."""

from __future__ import annotations

import pytest

from foodscan.errors import LlmUnavailable
from foodscan.llm.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_it_opens_after_the_threshold_of_consecutive_failures() -> None:
    clock = Clock()
    breaker = CircuitBreaker(3, 10.0, clock)
    for _ in range(2):
        breaker.before()
        breaker.failed()
    breaker.before()
    breaker.succeeded()  # a success in between starts the count again
    for _ in range(2):
        breaker.before()
        breaker.failed()
    assert breaker.state == "closed"
    breaker.before()
    breaker.failed()
    assert breaker.state == "open"
    with pytest.raises(LlmUnavailable, match="open after 3 failures"):
        breaker.before()


def test_after_the_open_time_one_trial_goes_through_and_its_success_closes_it() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 10.0, clock)
    breaker.failed()
    clock.now += 9.9
    with pytest.raises(LlmUnavailable):
        breaker.before()
    clock.now += 0.2
    breaker.before()  # the trial
    assert breaker.state == "half_open"
    with pytest.raises(LlmUnavailable, match="trial call is running"):
        breaker.before()  # everyone else still fails fast
    breaker.succeeded()
    assert breaker.state == "closed"
    breaker.before()


def test_a_failed_trial_opens_it_for_another_period() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2, 10.0, clock)
    breaker.failed()
    breaker.failed()
    clock.now += 10.0
    breaker.before()
    breaker.failed()
    assert breaker.state == "open"
    clock.now += 5.0
    with pytest.raises(LlmUnavailable):
        breaker.before()
    clock.now += 5.0
    breaker.before()


def test_an_abandoned_trial_hands_the_trial_to_the_next_call() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 1.0, clock)
    breaker.failed()
    clock.now += 1.0
    breaker.before()
    breaker.abandoned()
    breaker.before()  # not refused: the cancelled trial decided nothing
