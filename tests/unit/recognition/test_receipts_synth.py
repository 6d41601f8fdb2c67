"""End to end on real-looking photos: decode, OCR, parse, compare with the answer key.

Uses the development set in ../shared/data/receipts-synth when it exists (never copied into
the repository): three receipts per locale. The OCR models read Latin script only, so Russian
receipts are checked on what digits carry (date and total), like the others.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import RapidOcrEngine, row_texts
from tests.unit.recognition.receipt.summary import parse_receipt

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "receipts-synth"
PER_LOCALE = 3
LOCALES = ("en", "pl", "ru")


def sample() -> list[str]:
    """The first receipts of each locale, by id (ids are random, so this is a fair draw)."""
    ids = sorted(path.stem for path in (DATA / "img").glob("*.jpg"))
    by_locale = {locale: [i for i in ids if i.startswith(f"{locale}_")] for locale in LOCALES}
    return [i for locale in LOCALES for i in by_locale[locale][:PER_LOCALE]]


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "key").is_dir(), reason=f"receipt data set not found at {DATA}")
def test_total_and_date_match_the_key_on_most_receipts(ocr_engine: RapidOcrEngine) -> None:
    ids = sample()
    assert len(ids) == len(LOCALES) * PER_LOCALE
    misses: dict[str, list[str]] = {"total": [], "date": []}
    for receipt_id in ids:
        key = json.loads((DATA / "key" / f"{receipt_id}.json").read_text(encoding="utf-8"))
        image = decode_image(
            (DATA / "img" / f"{receipt_id}.jpg").read_bytes(), max_pixels=50_000_000
        )
        summary = parse_receipt(row_texts(ocr_engine.read(image)))
        if summary.total is None or Decimal(summary.total) != Decimal(key["total"]):
            misses["total"].append(f"{receipt_id}: {summary.total} != {key['total']}")
        if summary.date != key["date"]:
            misses["date"].append(f"{receipt_id}: {summary.date} != {key['date']}")
    assert len(misses["total"]) <= 2, misses
    assert len(misses["date"]) <= 2, misses
