"""A randomised receipt generator for testing the parser on layouts it was not tuned on.

Per locale (``pl``, ``ru``, ``uk``, ``us``, ``my``) a grammar of layouts (``layouts``): header
forms, item row shapes, discount and deposit rows, total, tax and payment wordings, widths, fonts.
Layouts are named and split into ``dev`` (develop on these) and ``held`` (score only on
these; they draw on wordings and row shapes no dev layout has). Each receipt is composed by its
locale's module (``pl``, ``ru``, ``en``) with exact till arithmetic, and written as a photo
(``render``) and as the OCR lines a perfect reader returns (text mode), with an answer key in
the format of ``../shared/data/receipts-synth/key``.

A benchmark tool: nothing in ``foodscan`` imports it.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from receipt_gen import en, my, pl, ru
from receipt_gen.layouts import LOCALES, SPLITS, Layout, layouts, seed_of
from receipt_gen.render import HARD, image_of, lines_of, style_for
from receipt_gen.sheet import Sheet

__all__ = ["LOCALES", "SPLITS", "Layout", "compose", "generate", "layouts"]

_HARD_SHARE = 0.2  # receipts photographed badly: strong blur, faded ink, a steeper tilt

_COMPOSERS: dict[str, Callable[[Layout, str], tuple[Sheet, dict[str, Any]]]] = {
    "pl": pl.compose,
    "ru": ru.compose,
    "uk": en.compose,
    "us": en.compose,
    "my": my.compose,
}


def compose(layout: Layout, receipt_id: str) -> tuple[Sheet, dict[str, Any]]:
    """The sheet and answer key of one receipt of ``layout`` (fixed by ``receipt_id``)."""
    return _COMPOSERS[layout.locale](layout, receipt_id)


def generate(
    out: Path, locales: tuple[str, ...], splits: tuple[str, ...], per_layout: int, *, images: bool
) -> list[dict[str, str]]:
    """Write ``per_layout`` receipts of every layout: ``img/<id>.jpg`` (``images``),
    ``lines/<id>.json`` (text mode), ``key/<id>.json`` and ``meta.csv``; the meta rows."""
    for folder in ("img", "key", "lines"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    meta = []
    for locale in locales:
        for split in splits:
            for layout in layouts(locale, split):
                for number in range(per_layout):
                    receipt_id = f"{layout.name}-{number:02d}"
                    meta.append(_write(out, layout, receipt_id, images=images))
    with (out / "meta.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(meta[0]))
        writer.writeheader()
        writer.writerows(meta)
    return meta


def _write(out: Path, layout: Layout, receipt_id: str, *, images: bool) -> dict[str, str]:
    sheet, key = compose(layout, receipt_id)
    rng = random.Random(seed_of(f"style-{receipt_id}"))  # noqa: S311 - repeatable, not a secret
    style = style_for(layout["font"], rng)
    text = json.dumps(key, ensure_ascii=False, indent=1)
    (out / "key" / f"{receipt_id}.json").write_text(text, encoding="utf-8")
    lines = [
        {"text": x.text, "box": x.box, "confidence": x.confidence, "role": role}
        for x, role in lines_of(sheet, style)
    ]
    (out / "lines" / f"{receipt_id}.json").write_text(
        json.dumps(lines, ensure_ascii=False), encoding="utf-8"
    )
    odds = random.Random(seed_of(f"hard-{receipt_id}"))  # noqa: S311 - repeatable
    hard = odds.choice(HARD) if odds.random() < _HARD_SHARE else ""
    if images:
        (out / "img" / f"{receipt_id}.jpg").write_bytes(image_of(sheet, style, rng, hard))
    return {
        "id": receipt_id,
        "locale": key["locale"],
        "template": layout.name,
        "country": layout.locale,
        "split": layout.split,
        "width_chars": str(layout.width),
        "hard": hard,
        "n_items": str(len(key["items"])),
    }
