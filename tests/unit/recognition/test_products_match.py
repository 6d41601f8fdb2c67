"""From photo readings to products: name, brand, quantity, category, and front/back merging."""

from __future__ import annotations

import pytest

from foodscan.recognition.products.barcodes import Barcode
from foodscan.recognition.products.match import group, guess, same_product
from foodscan.recognition.products.photo import PhotoReading
from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.taxonomy.categories import load_taxonomy

TAXONOMY = load_taxonomy()
EAN = Barcode("EAN-13", "5901234123457", "image")
OTHER = Barcode("EAN-13", "9780804816632", "image")


def line(text: str, height: float = 40.0, top: float = 0.0) -> OcrLine:
    box = ((0.0, top), (200.0, top), (200.0, top + height), (0.0, top + height))
    return OcrLine(text, box, 0.95)


def reading(index: int, texts: list[tuple[str, float]], *codes: Barcode) -> PhotoReading:
    lines = tuple(line(text, height, top=60.0 * i) for i, (text, height) in enumerate(texts))
    return PhotoReading(index, codes, lines)


FRONT = [("Arla", 60.0), ("MELLANMJÖLK", 80.0), ("1,5% fett", 20.0), ("1 l", 30.0)]
BACK = [("Ingredienser: mellanmjölk", 15.0), ("Arla Foods AB", 15.0), ("Näringsvärde", 15.0)]


def test_a_front_photo_gives_name_brand_quantity_and_category() -> None:
    found = guess(reading(0, FRONT), TAXONOMY)
    assert (found.brand, found.category, found.name) == ("Arla", "milk", "Arla Mellanmjölk")
    assert found.quantity is not None
    assert (found.quantity.value, found.quantity.unit) == (1.0, "l")
    assert found.photos == (0,)
    assert 0 < found.confidence <= 1


def test_a_photo_without_text_or_code_is_an_unknown_product() -> None:
    found = guess(PhotoReading(3, (), ()), TAXONOMY)
    assert (found.name, found.brand, found.category, found.quantity) == (None, None, None, None)
    assert found.confidence == 0


def test_front_and_back_with_the_same_barcode_merge() -> None:
    front = guess(reading(0, FRONT), TAXONOMY)
    back = guess(reading(1, [("Näringsvärde per 100 ml", 20.0)], EAN), TAXONOMY)
    other = guess(reading(2, [("Tropicana", 50.0), ("Apelsinjuice", 40.0)], OTHER), TAXONOMY)
    codes_front = guess(reading(3, FRONT, EAN), TAXONOMY)

    products = group([front, back, other, codes_front], TAXONOMY)

    assert [p.photos for p in products] == [(0, 1, 3), (2,)]
    assert products[0].barcodes == (EAN,)
    assert (products[0].brand, products[0].category) == ("Arla", "milk")
    assert products[1].brand == "Tropicana"


def test_front_and_back_with_matching_text_merge() -> None:
    front = guess(reading(0, FRONT), TAXONOMY)
    back = guess(reading(1, BACK), TAXONOMY)
    assert same_product(front, back)
    assert [p.photos for p in group([front, back], TAXONOMY)] == [(0, 1)]


@pytest.mark.parametrize(
    "second",
    [
        [("Arla", 60.0), ("YOGHURT", 80.0), ("NATURELL", 30.0)],  # same brand, another product
        [("Alpro", 60.0), ("MELLANMJÖLK", 80.0)],  # another brand
    ],
)
def test_different_products_stay_apart(second: list[tuple[str, float]]) -> None:
    front = guess(reading(0, FRONT), TAXONOMY)
    assert not same_product(front, guess(reading(1, second), TAXONOMY))


def test_photos_with_different_barcodes_never_merge() -> None:
    a = guess(reading(0, FRONT, EAN), TAXONOMY)
    b = guess(reading(1, FRONT, OTHER), TAXONOMY)
    assert [p.photos for p in group([a, b], TAXONOMY)] == [(0,), (1,)]
