"""Factories for recognition tests: receipt-like images drawn with a real font, and PDFs.

Everything is made in the test, from nothing but Pillow, pypdfium2 and hand-written PDF
syntax; no file outside the repository is read here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from foodscan.recognition.reading.ocr import RapidOcrEngine, ocr_available
from tests import corpus
from tests.corpus import build_pdf

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSansMono.ttf"),
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
ReceiptImage = Callable[..., Image.Image]
TextPdf = Callable[[list[list[str]]], bytes]
ImagePdf = Callable[[int], bytes]


def load_font(size: int) -> Font:
    """A monospaced TrueType font if the system has one, else Pillow's bundled default."""
    for path in FONT_PATHS:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


@pytest.fixture
def receipt_image() -> ReceiptImage:
    """Draw text rows (black on white, one row per string) and optionally tilt the page."""

    def make(
        rows: list[str], *, size: int = 28, angle: float = 0.0, spacing: float = 1.6
    ) -> Image.Image:
        font = load_font(size)
        line_height = int(size * spacing)
        width = max(int(font.getlength(row)) for row in rows) + 2 * size
        image = Image.new("RGB", (width, line_height * len(rows) + 2 * size), "white")
        draw = ImageDraw.Draw(image)
        for index, row in enumerate(rows):
            draw.text((size, size + index * line_height), row, fill="black", font=font)
        if angle:
            image = image.rotate(
                angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC
            )
        return image

    return make


@pytest.fixture(scope="session")
def ocr_engine() -> RapidOcrEngine:
    """One OCR engine for the session: its models take a second to load."""
    if not ocr_available():
        pytest.fail("rapidocr, onnxruntime or the bundled OCR models are missing: a broken install")
    return RapidOcrEngine()


@pytest.fixture
def text_pdf() -> TextPdf:
    """A PDF whose pages carry a real text layer in Helvetica: one list of lines per page."""
    return corpus.text_pdf


@pytest.fixture
def image_pdf(receipt_image: ReceiptImage) -> ImagePdf:
    """A scanned-looking PDF: ``pages`` pages that are only an image each, no text layer."""

    def make(pages: int = 1) -> bytes:
        images = [receipt_image([f"SCANNED PAGE {n + 1}", "TOTAL 12.50"]) for n in range(pages)]
        buffer = BytesIO()
        images[0].save(buffer, "PDF", resolution=100, save_all=True, append_images=images[1:])
        return buffer.getvalue()

    return make


# The padding string of the PDF Standard security handler (ISO 32000-1, 7.6.3.3).
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


@pytest.fixture
def password_pdf() -> bytes:
    """A one-page PDF under 40-bit RC4 (revision 2) that needs the password "secret"."""
    user, owner = b"secret", b"owner"
    file_id, permissions = b"0123456789abcdef", -44
    # MD5 and RC4 are what this (obsolete) PDF encryption is made of; nothing is protected.
    owner_digest = hashlib.md5((owner + _PAD)[:32], usedforsecurity=False).digest()
    owner_entry = _rc4(owner_digest[:5], (user + _PAD)[:32])
    seed = (user + _PAD)[:32] + owner_entry + permissions.to_bytes(4, "little", signed=True)
    key = hashlib.md5(seed + file_id, usedforsecurity=False).digest()[:5]
    user_entry = _rc4(key, _PAD)
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (
        owner_entry.hex().encode(),
        user_entry.hex().encode(),
        permissions,
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        encrypt,
    ]
    hex_id = file_id.hex().encode()
    return build_pdf(objects, b"/Encrypt 4 0 R /ID [<%s> <%s>]" % (hex_id, hex_id))
