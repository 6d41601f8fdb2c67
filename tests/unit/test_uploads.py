"""Upload checks: type from magic bytes, byte/pixel/page limits, damaged files, safe names."""

from __future__ import annotations

import time
import zipfile
from io import BytesIO

import pypdfium2 as pdfium
import pytest
from PIL import Image

from foodscan.errors import InputError, InvalidInput, TooLarge, TooMany, UnsupportedType
from foodscan.uploads.checks import UploadLimits, inspect, safe_name, sniff
from tests import corpus

LIMITS = UploadLimits(max_bytes=5_000_000, max_pages=3, max_pixels=20_000_000)


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, "white").save(buffer, fmt)
    return buffer.getvalue()


def pdf_bytes(pages: int, size: tuple[float, float] = (595, 842)) -> bytes:
    document = pdfium.PdfDocument.new()
    try:
        for _ in range(pages):
            document.new_page(*size).close()
        buffer = BytesIO()
        document.save(buffer)
        return buffer.getvalue()
    finally:
        document.close()


@pytest.fixture(scope="module")
def png_bomb() -> bytes:
    """A valid 20000 x 20000 1-bit PNG (400 megapixels) that is a few dozen KB on disk."""
    return corpus.png_bomb(20_000)


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_images_made_by_pillow_are_accepted(fmt: str, media_type: str) -> None:
    data = image_bytes(fmt)
    found = inspect(data, LIMITS)
    assert (found.media_type, found.pages, found.size) == (media_type, 1, len(data))
    assert len(found.sha256) == 64
    assert sniff(data) == media_type


@pytest.mark.parametrize(
    ("fmt", "mode", "size"),
    [
        ("JPEG", "RGB", (5, 3)),
        ("JPEG", "CMYK", (50, 50)),
        ("JPEG", "L", (1, 1)),
        ("PNG", "1", (1, 1)),
    ],
)
def test_tiny_and_unusual_images_are_accepted(fmt: str, mode: str, size: tuple[int, int]) -> None:
    assert inspect(image_bytes(fmt, size, mode), LIMITS).pages == 1


def test_pdf_pages_are_counted() -> None:
    data = pdf_bytes(3)
    found = inspect(data, LIMITS)
    assert (found.media_type, found.pages) == ("application/pdf", 3)


def test_same_bytes_give_the_same_digest() -> None:
    data = image_bytes("PNG")
    assert inspect(data, LIMITS).sha256 == inspect(bytes(data), LIMITS).sha256
    assert inspect(data, LIMITS).sha256 != inspect(image_bytes("PNG", (65, 48)), LIMITS).sha256


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfeh\x00i\x00", b"PK\x03\x04not a word file", b"MZ\x90\x00" + b"\x00" * 60],
)
def test_unknown_bytes_are_unsupported(data: bytes) -> None:
    assert sniff(data) is None
    with pytest.raises(UnsupportedType, match="not a JPEG, PNG, WebP or PDF"):
        inspect(data, LIMITS)


def test_type_comes_from_content_not_from_the_name() -> None:
    # A PNG uploaded as "receipt.pdf" is a PNG; a script named "photo.jpg" is mere text (which
    # only the recipe kind takes), and a program is refused.
    assert inspect(image_bytes("PNG"), LIMITS).media_type == "image/png"
    assert safe_name("receipt.pdf") == "receipt.pdf"
    assert inspect(b"#!/bin/sh\nrm -rf /\n", LIMITS).media_type == "text/plain"
    with pytest.raises(UnsupportedType):
        inspect(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, LIMITS)


def test_oversize_file_is_too_large_with_both_sizes_in_the_message() -> None:
    limits = UploadLimits(max_bytes=10 * 1024 * 1024, max_pages=3, max_pixels=20_000_000)
    with pytest.raises(TooLarge) as caught:
        inspect(b"\xff\xd8\xff" + b"\x00" * (12 * 1024 * 1024 + 300 * 1024), limits)
    assert caught.value.message == "the file is 12.3 MiB; the limit is 10 MiB"


def test_size_is_checked_before_type() -> None:
    with pytest.raises(TooLarge):
        inspect(b"x" * (LIMITS.max_bytes + 1), LIMITS)


def test_decompression_bomb_is_refused_from_its_header(png_bomb: bytes) -> None:
    assert len(png_bomb) < 200_000
    started = time.perf_counter()
    with pytest.raises(TooMany, match=r"20000x20000 pixels \(400.0 megapixels\)"):
        inspect(png_bomb, LIMITS)
    # Decoding 400 megapixels takes seconds; reading a header takes microseconds.
    assert time.perf_counter() - started < 0.5


def test_pillows_own_bomb_error_does_not_leak(png_bomb: bytes) -> None:
    # Our limit is above Pillow's: Pillow's DecompressionBombError must still surface as ours.
    generous = UploadLimits(max_bytes=5_000_000, max_pages=3, max_pixels=10**9)
    with pytest.raises(TooMany):
        inspect(png_bomb, generous)


def test_image_just_over_the_pixel_limit_is_too_many() -> None:
    limits = UploadLimits(max_bytes=5_000_000, max_pages=3, max_pixels=64 * 48 - 1)
    with pytest.raises(TooMany, match="64x48 pixels"):
        inspect(image_bytes("JPEG"), limits)
    assert inspect(image_bytes("JPEG"), UploadLimits(5_000_000, 3, 64 * 48)).pages == 1


def test_pdf_with_too_many_pages_is_too_many() -> None:
    with pytest.raises(TooMany, match="the PDF has 4 pages; the limit is 3"):
        inspect(pdf_bytes(4), LIMITS)


def test_pdf_page_tree_of_a_million_shared_pages_is_refused_from_its_count() -> None:
    # 1 KB claiming 10^6 pages: walking them took 2-4 s of CPU per refusal, under PDFium's lock.
    data = corpus.shared_page_tree_pdf(levels=6, fan=10)
    assert len(data) < 2000
    with pytest.raises(TooMany, match="the PDF has 1000000 pages; the limit is 3"):
        inspect(data, LIMITS)


def test_pdf_page_count_is_compared_with_the_limit_before_any_page_is_read() -> None:
    # Every page of this tree is broken: reading any of them would answer "damaged", not the count.
    data = corpus.shared_page_tree_pdf(levels=2, fan=4, leaf=b"/Type /Broken")
    with pytest.raises(TooMany, match="the PDF has 16 pages"):
        inspect(data, LIMITS)
    with pytest.raises(InvalidInput, match="damaged"):
        inspect(data, UploadLimits(max_bytes=5_000_000, max_pages=16, max_pixels=20_000_000))


def test_pdf_page_too_big_to_render_is_too_many() -> None:
    # 100 x 100 inches at the OCR render resolution is hundreds of megapixels.
    with pytest.raises(TooMany, match=r"page 1 of the PDF is 100\.0x100\.0 inches"):
        inspect(pdf_bytes(1, (7200, 7200)), LIMITS)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_image_is_invalid_input(fmt: str) -> None:
    noisy = Image.effect_noise((400, 300), 64).convert("RGB")
    buffer = BytesIO()
    noisy.save(buffer, fmt)
    data = buffer.getvalue()
    with pytest.raises(InvalidInput, match="damaged or truncated") as caught:
        inspect(data[: len(data) // 2], LIMITS)
    assert type(caught.value) is InvalidInput


def test_garbage_after_image_magic_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        inspect(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, LIMITS)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nthis is not a pdf at all\n", b"%PDF-1.7\n", pdf_bytes(2)[:60]],
)
def test_corrupt_pdf_is_invalid_input(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="PDF") as caught:
        inspect(data, LIMITS)
    assert type(caught.value) is InvalidInput


def test_every_refusal_is_an_input_error(png_bomb: bytes) -> None:
    for data in (b"\x00nope", png_bomb, pdf_bytes(9), b"%PDF-1.4\n", b"\xff\xd8\xff" * 10**7):
        with pytest.raises(InputError):
            inspect(data, LIMITS)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (None, "upload"),
        ("", "upload"),
        ("receipt.jpg", "receipt.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Desktop\\paragon.pdf", "paragon.pdf"),
        ("/abs/path/scan.png", "scan.png"),
        ("bad\x00na\nme\x1b[31m.jpg", "bad na me [31m.jpg"),
        ("invoice\u202egpj.exe", "invoice gpj.exe"),
        ("..", "upload"),
        ("   ", "upload"),
        ("dir/", "upload"),
    ],
)
def test_safe_name_strips_paths_and_control_characters(name: str | None, shown: str) -> None:
    assert safe_name(name) == shown


def test_safe_name_is_at_most_200_characters_and_keeps_the_extension() -> None:
    shown = safe_name("a" * 500 + ".jpeg")
    assert len(shown) == 200
    assert shown.endswith("a.jpeg")
    assert len(safe_name("b" * 500)) == 200


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"hello, world", "text/plain"),
        (b"<!doctype html><html><body>%PDF-1.4</body></html>", "text/html"),
    ],
)
def test_text_documents_are_accepted_by_content(data: bytes, media_type: str) -> None:
    found = inspect(data, LIMITS)
    assert (found.media_type, found.pages) == (media_type, 1)


def test_a_docx_bomb_is_too_large_and_a_foreign_zip_unsupported() -> None:
    def archive(entries: dict[str, bytes]) -> bytes:
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for name, data in entries.items():
                out.writestr(name, data)
        return buffer.getvalue()

    bomb = archive({"word/document.xml": b"<w/>", "word/media/x": b"\0" * 60_000_000})
    with pytest.raises(TooLarge, match="unpacks to"):
        inspect(bomb, LIMITS)
    with pytest.raises(UnsupportedType):
        inspect(archive({"content.xml": b"<office/>"}), LIMITS)
