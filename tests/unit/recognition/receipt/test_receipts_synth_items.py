"""End to end on real-looking photos: decode, OCR, ``parse_receipt``, compare with the key.

Uses the development set in ../shared/data/receipts-synth when it exists (never copied into
the repository): the first two receipts of each locale by id (ids are random: a fair draw).
Items are matched as the data set's README says (same net amount, names similar). RapidOCR
reads no Cyrillic, so Russian receipts are checked on what digits carry (date and total).
"""

from __future__ import annotations

import json
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest

from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import RapidOcrEngine
from foodscan.recognition.receipt import parse_receipt
from foodscan.recognition.receipt.model import Item

DATA = Path(__file__).resolve().parents[5] / "shared" / "data" / "receipts-synth"
PER_LOCALE = 2


def sample(locale: str) -> list[str]:
    ids = sorted(path.stem for path in (DATA / "img").glob(f"{locale}_*.jpg"))
    return ids[:PER_LOCALE]


def matched(found: list[Item], expected: list[dict[str, Any]]) -> int:
    """Items paired one-to-one: the same net amount and names at least 60% alike."""
    left = list(expected)
    count = 0
    for item in found:
        net = Decimal(item.total or "0") - Decimal(item.discount or "0")
        for key in left:
            key_net = Decimal(key["total"]) - Decimal(key["discount"] or "0")
            ratio = SequenceMatcher(None, item.name.casefold(), key["name"].casefold()).ratio()
            if net == key_net and ratio >= 0.6:
                left.remove(key)
                count += 1
                break
    return count


def read(engine: RapidOcrEngine, receipt_id: str) -> tuple[Any, dict[str, Any]]:
    key = json.loads((DATA / "key" / f"{receipt_id}.json").read_text(encoding="utf-8"))
    data = (DATA / "img" / f"{receipt_id}.jpg").read_bytes()
    return parse_receipt(engine.read(decode_image(data, max_pixels=50_000_000))), key


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "key").is_dir(), reason=f"receipt data set not found at {DATA}")
@pytest.mark.parametrize("locale", ["en", "pl"])
def test_fields_and_items_match_the_key(ocr_engine: RapidOcrEngine, locale: str) -> None:
    hits = expected = found_items = 0
    for receipt_id in sample(locale):
        found, key = read(ocr_engine, receipt_id)
        assert (found.date, found.currency, found.language) == (
            key["date"],
            key["currency"],
            locale,
        )
        assert found.total is not None
        assert Decimal(found.total) == Decimal(key["total"])
        assert found.merchant.name is not None
        assert found.merchant.name.casefold() == key["merchant"].casefold()
        hits += matched(found.items, key["items"])
        expected += len(key["items"])
        found_items += len(found.items)
    precision, recall = hits / found_items, hits / expected
    assert 2 * precision * recall / (precision + recall) >= 0.9, (hits, found_items, expected)


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "key").is_dir(), reason=f"receipt data set not found at {DATA}")
def test_russian_date_and_total_match_the_key(ocr_engine: RapidOcrEngine) -> None:
    for receipt_id in sample("ru"):
        found, key = read(ocr_engine, receipt_id)
        assert (found.date, found.currency) == (key["date"], "RUB")
        assert found.total is not None
        assert Decimal(found.total) == Decimal(key["total"])
