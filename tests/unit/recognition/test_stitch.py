"""Several photos of one long receipt become one list of lines, the overlap kept once."""

from __future__ import annotations

from foodscan.recognition.reading.ocr import OcrLine, group_rows
from foodscan.recognition.reading.stitch import overlap_rows, stitch


def photo(texts: list[str], *, top: float = 10.0) -> list[OcrLine]:
    lines = []
    for index, text in enumerate(texts):
        y = top + index * 30
        box = ((10.0, y), (300.0, y), (300.0, y + 20), (10.0, y + 20))
        lines.append(OcrLine(text, box, 0.9))
    return lines


def texts(lines: list[OcrLine]) -> list[str]:
    return [" ".join(line.text for line in row) for row in group_rows(lines)]


def test_overlapping_rows_are_kept_once_in_order() -> None:
    first = photo(["SHOP", "MILK 2.00", "BREAD 1.50", "EGGS 3.10"])
    second = photo(["BREAD 1.50", "EGGS 3.1O", "BUTTER 2.20", "TOTAL 8.80"], top=400)

    merged = stitch([first, second])

    assert texts(merged) == [
        "SHOP",
        "MILK 2.00",
        "BREAD 1.50",
        "EGGS 3.10",
        "BUTTER 2.20",
        "TOTAL 8.80",
    ]


def test_photos_without_overlap_are_appended_below() -> None:
    merged = stitch([photo(["SHOP", "MILK 2.00"]), photo(["TOTAL 2.00"])])
    assert texts(merged) == ["SHOP", "MILK 2.00", "TOTAL 2.00"]
    assert min(y for _, y in merged[-1].box) > max(y for _, y in merged[1].box)


def test_a_repeated_item_that_is_not_an_overlap_is_kept() -> None:
    first = photo(["SHOP", "WATER 0.99", "MILK 2.00"])
    second = photo(["WATER 0.99", "TOTAL 3.98"])
    assert overlap_rows(group_rows(first), group_rows(second)) == 0
    assert texts(stitch([first, second])) == [
        "SHOP",
        "WATER 0.99",
        "MILK 2.00",
        "WATER 0.99",
        "TOTAL 3.98",
    ]


def test_one_photo_is_returned_in_reading_order() -> None:
    lines = photo(["A", "B"])
    assert texts(stitch([list(reversed(lines))])) == ["A", "B"]
