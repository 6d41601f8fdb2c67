"""The README's configuration table and ``Settings`` name the same variables with the same defaults.

A setting added without a row, a row whose setting is gone, or a default changed on one side only
fails here. Nested models are documented per key: ``kinds: dict[str, KindPolicy]`` is
``FOODSCAN_KINDS__<KIND>__TIME_LIMIT_S`` and so on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from foodscan.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
PREFIX = "FOODSCAN_"
NAME = re.compile(r"`(FOODSCAN_[A-Z0-9_<>]+)`")
LITERALS = re.compile(r"`[^`]*`(?:\s*,\s*`[^`]*`)*")


@dataclass(frozen=True)
class Documented:
    """A default cell of the table: a literal (in backticks) or prose ("none", "CPU count")."""

    text: str
    literal: bool


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def documented() -> dict[str, Documented]:
    """Each variable of the README's configuration table and its default: a literal, or prose."""
    rows: dict[str, Documented] = {}
    for line in _section(README.read_text(), "## Configuration").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = NAME.findall(cells[0]) if len(cells) >= 3 else []
        if not names:
            continue
        if LITERALS.fullmatch(cells[1]):
            defaults = [Documented(v, literal=True) for v in re.findall(r"`([^`]*)`", cells[1])]
        else:
            defaults = [Documented(cells[1], literal=False)] * len(names)
        assert len(defaults) == len(names), f"cannot pair names and defaults in: {line}"
        rows.update(zip(names, defaults, strict=True))
    return rows


def _default(info: FieldInfo) -> Any:  # Any: a default of any setting
    if info.default_factory is not None:
        if _nested(info) is None:  # a plain value built by a factory, e.g. a dict of numbers
            return info.default_factory()  # type: ignore[call-arg]
        return None  # computed (e.g. the kinds dict): documented per nested field instead
    return None if info.default is PydanticUndefined else info.default


def _nested(info: FieldInfo) -> tuple[type[BaseModel], str] | None:
    """The model of a ``dict[str, Model]`` (with the key's placeholder) or ``Model`` field."""
    annotation = info.annotation
    if get_origin(annotation) is dict:
        value = get_args(annotation)[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return value, "<KEY>"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    return None


def expected() -> dict[str, Any]:
    """Every variable ``Settings`` reads, with its default."""
    found: dict[str, Any] = {}
    for name, info in Settings.model_fields.items():
        nested = _nested(info)
        if nested is None:
            found[PREFIX + name.upper()] = _default(info)
            continue
        model, key = nested
        key = key.replace("KEY", name.upper().removesuffix("S")) + "__" if key else ""
        for sub, sub_info in model.model_fields.items():
            found[f"{PREFIX}{name.upper()}__{key}{sub.upper()}"] = _default(sub_info)
    return found


def _literal(text: str, default: Any) -> Any:  # Any: a default of any setting
    """The README's literal read as the type of ``default`` (``ValueError`` if it cannot be)."""
    if isinstance(default, bool):
        return text.lower() == "true"
    if isinstance(default, int | float):
        return float(text)
    if isinstance(default, Path):
        return Path(text)
    if isinstance(default, dict | list):
        return json.loads(text)
    return text


def _same(cell: Documented, default: Any) -> bool:  # Any: a default of any setting
    """A literal equals a concrete default; prose stands for a default that is None, empty or
    computed."""
    if default is None or default in ({}, []) or not cell.literal:
        return (default is None or default in ({}, [])) and not cell.literal
    try:
        value = _literal(cell.text, default)
    except ValueError:
        return False
    if isinstance(default, bool):
        return bool(value == default) and cell.text.lower() in {"true", "false"}
    return bool(value == (float(default) if isinstance(default, int | float) else default))


def test_every_setting_has_a_row_in_the_readme() -> None:
    missing = sorted(expected().keys() - documented().keys())
    assert not missing, f"add these to the README's configuration table: {missing}"


def test_every_row_of_the_readme_is_a_setting() -> None:
    unknown = sorted(documented().keys() - expected().keys())
    assert not unknown, f"the README documents variables Settings does not read: {unknown}"


def test_documented_defaults_are_the_settings_defaults() -> None:
    settings, readme = expected(), documented()
    wrong = {
        name: (readme[name].text, settings[name])
        for name in readme.keys() & settings.keys()
        if not _same(readme[name], settings[name])
    }
    assert not wrong, f"README default vs Settings default: {wrong}"


@pytest.mark.parametrize(
    ("cell", "default", "same"),
    [
        (Documented("30", literal=True), 30.0, True),
        (Documented("31", literal=True), 30.0, False),
        (Documented("./foodscan-data", literal=True), Path("foodscan-data"), True),
        (Documented("local", literal=True), "local", True),
        (Documented("none", literal=False), None, True),
        (Documented("none", literal=True), None, False),
        (Documented("CPU count", literal=False), 4, False),
    ],
)
def test_a_default_cell_matches_only_its_own_default(
    cell: Documented, default: Any, same: bool
) -> None:
    assert _same(cell, default) is same
