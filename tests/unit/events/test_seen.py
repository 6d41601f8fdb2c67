"""SeenIds: each id once, out-of-order ids within the window, the floor after it slides."""

from __future__ import annotations

import pytest

from foodscan.client import seen
from foodscan.client.seen import SeenIds


def test_each_id_is_new_once_even_out_of_order() -> None:
    ids = SeenIds(floor=10)
    assert [ids.add(i) for i in (12, 11, 12, 10, 9, 13)] == [True, True, False, False, False, True]
    assert ids.high == 13


def test_ids_that_slid_out_of_the_window_count_as_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seen, "WINDOW", 2)
    ids = SeenIds()
    for i in (1, 2, 3):
        assert ids.add(i)
    assert ids.floor == 1
    assert not ids.add(1)
    assert ids.add(4)


def test_a_full_window_drops_its_lowest_quarter_and_raises_the_floor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seen, "WINDOW", 8)
    ids = SeenIds()
    for i in (1, 2, 3, 5, 6, 7, 8, 9, 4):  # 4 arrives late, inside the window
        assert ids.add(i)
    assert ids.floor == 3  # 9 ids > 8: the lowest 3 (1, 2, 3) dropped
    assert [ids.add(i) for i in (1, 3, 4, 9, 10)] == [False, False, False, False, True]
    assert ids.high == 10
