"""The job state machine: the allowed-transition table and the terminal statuses."""

from __future__ import annotations

import itertools

import pytest

from foodscan.jobs.states import LANE_RANK, TERMINAL, TRANSITIONS, Lane, Status, can_transition

ALLOWED = {
    (Status.QUEUED, Status.RUNNING),
    (Status.QUEUED, Status.CANCELLED),
    (Status.QUEUED, Status.FAILED),
    (Status.RUNNING, Status.QUEUED),
    (Status.RUNNING, Status.SUCCEEDED),
    (Status.RUNNING, Status.FAILED),
    (Status.RUNNING, Status.CANCELLED),
    (Status.FAILED, Status.QUEUED),
    (Status.CANCELLED, Status.QUEUED),
}


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(Status, Status)))
def test_transition_is_allowed_exactly_when_listed(source: Status, target: Status) -> None:
    assert can_transition(source, target) is ((source, target) in ALLOWED)


def test_no_status_moves_to_itself() -> None:
    assert not any(can_transition(status, status) for status in Status)


def test_succeeded_is_final() -> None:
    assert TRANSITIONS[Status.SUCCEEDED] == frozenset()


def test_failed_and_cancelled_only_go_back_to_the_queue() -> None:
    assert TRANSITIONS[Status.FAILED] == TRANSITIONS[Status.CANCELLED] == {Status.QUEUED}


def test_terminal_statuses_are_the_ends_of_a_run() -> None:
    assert {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED} == TERMINAL
    assert all(can_transition(Status.RUNNING, status) for status in TERMINAL)


def test_only_a_queued_job_can_start() -> None:
    assert [s for s in Status if can_transition(s, Status.RUNNING)] == [Status.QUEUED]


def test_statuses_are_their_wire_strings() -> None:
    assert [str(s) for s in Status] == ["queued", "running", "succeeded", "failed", "cancelled"]


def test_paid_lane_ranks_before_free() -> None:
    assert LANE_RANK[Lane.PAID] < LANE_RANK[Lane.FREE]
    assert set(LANE_RANK) == set(Lane)
