"""The server processes' GIL switch interval (``FOODSCAN_GIL_SWITCH_MS``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from foodscan.cli.main import _set_switch_interval
from foodscan.settings import Settings


@pytest.fixture
def restore_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("restore_interval")
def test_the_server_takes_a_one_millisecond_switch_interval_by_default() -> None:
    sys.setswitchinterval(0.005)
    _set_switch_interval(Settings())
    assert sys.getswitchinterval() == pytest.approx(0.001)


@pytest.mark.usefixtures("restore_interval")
def test_the_switch_interval_follows_its_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOODSCAN_GIL_SWITCH_MS", "2.5")
    _set_switch_interval(Settings())
    assert sys.getswitchinterval() == pytest.approx(0.0025)


@pytest.mark.parametrize("value", ["0", "-1", "1000"])
def test_a_switch_interval_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FOODSCAN_GIL_SWITCH_MS", value)
    with pytest.raises(ValidationError, match="gil_switch_ms"):
        Settings()
