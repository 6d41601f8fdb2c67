"""PDF reading: the text layer when there is one, a rendered RGB page when there is not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from foodscan.errors import UnreadableFile
from foodscan.recognition.reading.pdf import RENDER_DPI, page_sizes, read_pdf, render_pixels

TextPdf = Callable[[list[list[str]]], bytes]
ImagePdf = Callable[[int], bytes]


def test_text_layer_is_read_and_nothing_is_rendered(text_pdf: TextPdf) -> None:
    data = text_pdf([["FRESH MARKET", "MILK 2L 3.49", "TOTAL (EUR) 5.59"]])
    [page] = read_pdf(data, max_pages=5)
    assert page.index == 0
    assert page.image is None
    assert page.text.splitlines() == ["FRESH MARKET", "MILK 2L 3.49", "TOTAL (EUR) 5.59"]


def test_image_only_page_is_rendered_for_ocr(image_pdf: ImagePdf) -> None:
    [page] = read_pdf(image_pdf(1), max_pages=5)
    assert page.text == ""
    assert page.image is not None
    assert page.image.mode == "RGB"
    _, [(width, height)] = page_sizes(image_pdf(1), max_pages=1)
    assert page.image.size == pytest.approx(
        (width * RENDER_DPI / 72, height * RENDER_DPI / 72), abs=1
    )
    assert page.image.getextrema()[0] == (0, 255)  # ink and paper, not a blank bitmap


def test_page_with_too_little_text_is_rendered(text_pdf: TextPdf) -> None:
    pages = read_pdf(text_pdf([["Page 1"], ["This page has plenty of text"]]), max_pages=5)
    assert [p.image is not None for p in pages] == [True, False]
    assert [p.index for p in pages] == [0, 1]
    assert pages[1].text == "This page has plenty of text"


def test_render_resolution_follows_dpi(image_pdf: ImagePdf) -> None:
    [low] = read_pdf(image_pdf(1), max_pages=1, dpi=72)
    [width, height] = page_sizes(image_pdf(1), max_pages=1)[1][0]
    assert low.image is not None
    assert low.image.size == pytest.approx((width, height), abs=1)


def test_render_is_shrunk_to_fit_max_pixels(image_pdf: ImagePdf) -> None:
    [page] = read_pdf(image_pdf(1), max_pages=1, max_pixels=50_000)
    assert page.image is not None
    assert page.image.width * page.image.height <= 50_000
    assert page.image.width * page.image.height > 40_000


def test_more_pages_than_allowed_is_refused(image_pdf: ImagePdf) -> None:
    data = image_pdf(3)
    assert len(read_pdf(data, max_pages=3)) == 3
    with pytest.raises(UnreadableFile, match="3 pages; the limit is 2"):
        read_pdf(data, max_pages=2)


def test_password_protected_pdf_is_unreadable(password_pdf: bytes) -> None:
    with pytest.raises(UnreadableFile, match="password-protected"):
        read_pdf(password_pdf, max_pages=5)
    with pytest.raises(UnreadableFile, match="password-protected"):
        page_sizes(password_pdf, max_pages=5)


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4\nnot a pdf", b"\x89PNG\r\n\x1a\n"])
def test_damaged_pdf_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableFile, match="damaged or truncated"):
        read_pdf(data, max_pages=5)


def test_render_pixels_counts_whole_pixels() -> None:
    assert render_pixels(72, 72, 200) == 200 * 200
    assert render_pixels(612, 792, 200) == 1700 * 2200
