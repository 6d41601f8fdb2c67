"""When a slot claims ahead (``worker.ahead.ClaimAhead``): only for kinds whose bodies end
predictably, early enough for the claim to commit before the body ends, never for a long hold."""

from __future__ import annotations

import asyncio

import pytest

from foodscan.worker.ahead import MIN_BODIES, ClaimAhead


def seen(ahead: ClaimAhead, kind: str, *bodies: float) -> ClaimAhead:
    for seconds in bodies:
        ahead.body_ended(kind, seconds)
    return ahead


def test_no_claim_ahead_before_enough_bodies_of_the_kind_were_seen() -> None:
    ahead = seen(ClaimAhead(lease_s=30), "receipt", *[0.05] * (MIN_BODIES - 1))
    assert ahead.delay("receipt") is None
    assert ahead.delay("recipe") is None
    ahead.body_ended("receipt", 0.05)
    assert ahead.delay("receipt") == pytest.approx(0.05)


def test_the_claim_is_asked_twice_its_time_plus_the_deviation_before_the_expected_end() -> None:
    ahead = seen(ClaimAhead(lease_s=30), "receipt", *[0.5] * MIN_BODIES)
    for _ in range(50):
        ahead.claimed(0.01)
    assert ahead.delay("receipt") == pytest.approx(0.5 - 0.02, abs=1e-3)
    for _ in range(50):
        ahead.claimed(0.04)
    assert ahead.delay("receipt") == pytest.approx(0.5 - 0.08, abs=1e-3)
    # A body shorter than the lead: claimed at its first line.
    short = seen(ClaimAhead(lease_s=30), "text", *[0.02] * MIN_BODIES)
    short.claim_s = 0.04
    assert short.delay("text") == 0.0


def test_uneven_bodies_or_slow_claims_are_not_claimed_ahead() -> None:
    uneven = seen(ClaimAhead(lease_s=30), "receipt", *[0.1, 2.0] * MIN_BODIES)
    assert uneven.delay("receipt") is None  # the hold would be long
    slow = seen(ClaimAhead(lease_s=30), "receipt", *[0.5] * MIN_BODIES)
    slow.claim_s = slow.hold_s  # a claim that takes as long as the longest hold
    assert slow.delay("receipt") is None


def test_a_job_is_never_held_for_more_than_a_quarter_of_the_lease() -> None:
    assert ClaimAhead(lease_s=30).hold_s == 0.25
    assert ClaimAhead(lease_s=0.4).hold_s == pytest.approx(0.1)


async def test_a_held_job_runs_when_the_body_ends_and_goes_back_otherwise() -> None:
    ahead = ClaimAhead(lease_s=30, hold_s=0.2)
    freed, stopping = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(0.02, freed.set)
    assert await ahead.hold("j1", freed, stopping) is None  # the body ended: run it

    assert await ahead.hold("j2", asyncio.Event(), stopping) == "held"  # ran past hold_s

    waiting = asyncio.ensure_future(ahead.hold("j3", asyncio.Event(), stopping))
    await asyncio.sleep(0)
    assert ahead.held == 1
    ahead.stop("j3", "cancel")
    ahead.stop("other", "cancel")  # not held here: nothing
    assert await waiting == "cancel"
    assert ahead.held == 0

    stopping.set()
    assert await ahead.hold("j4", freed, stopping) == "shutdown"  # even with the body over
