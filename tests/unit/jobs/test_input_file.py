"""``InputFile.to_json`` is spelled out for speed: it must still carry every field."""

from __future__ import annotations

from dataclasses import fields

from foodscan.jobs.job import InputFile


def test_to_json_carries_every_field_and_reads_back() -> None:
    item = InputFile("k", "0" * 64, "image/jpeg", 123, "a.jpg", pages=3)

    assert set(item.to_json()) == {f.name for f in fields(InputFile)}
    assert InputFile(**item.to_json()) == item
