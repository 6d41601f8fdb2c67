"""Page pre-processing: the sheet is found on a table, light is evened out, and points of a
turned page map back onto the photo."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw

from foodscan.recognition.reading.preprocess import normalise, paper_box, rotate, unrotate

ReceiptImage = Callable[..., Image.Image]
ROWS = ["GREENLEAF GROCERY", "BANANAS      1.29", "TOTAL        6.84"] * 3


def test_a_sheet_on_a_dark_table_is_found(receipt_image: ReceiptImage) -> None:
    page = receipt_image(ROWS).convert("L")
    table = Image.new("L", (page.width + 400, page.height + 300), 60)
    table.paste(page, (250, 120))
    box = paper_box(table)
    assert box is not None
    left, top, right, bottom = box
    # Within the 3% pad (and the eighth-size grid) of the sheet's true edges.
    assert 250 - 40 <= left <= 250
    assert 250 + page.width <= right <= 250 + page.width + 40
    assert 120 - 30 <= top <= 120
    assert 120 + page.height <= bottom <= 120 + page.height + 30


@pytest.mark.parametrize("angle", [0, 90])
def test_a_page_that_fills_the_image_is_not_cut(receipt_image: ReceiptImage, angle: int) -> None:
    page = receipt_image(ROWS).rotate(angle, expand=True).convert("L")
    assert paper_box(page) is None
    assert paper_box(Image.new("L", (400, 300), 255)) is None
    assert paper_box(Image.new("L", (40, 30), 0)) is None


def test_faded_ink_on_grey_paper_comes_out_black_on_white() -> None:
    page = Image.new("L", (400, 200), 150)
    ImageDraw.Draw(page).rectangle((100, 90, 300, 100), fill=120)
    flat = normalise(page)
    assert flat.getpixel((50, 50)) == 255
    assert flat.getpixel((200, 95)) == 0


@pytest.mark.parametrize("angle", [0.0, 3.5, -4.0, 90.0, 180.0, 270.0])
def test_a_point_of_the_turned_page_maps_back_onto_the_photo(angle: float) -> None:
    page = Image.new("L", (300, 500), 255)
    page.putpixel((70, 120), 0)
    turned = rotate(page, angle)
    row, column = np.unravel_index(int(np.asarray(turned).argmin()), (turned.height, turned.width))
    x, y = unrotate((float(column), float(row)), angle, turned.size, page.size)
    assert x == pytest.approx(70, abs=1.5)
    assert y == pytest.approx(120, abs=1.5)
