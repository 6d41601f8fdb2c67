"""PDF reading for recognition: each page's text layer, or a rendered image to OCR.

pypdfium2 does the work. PDFium is not thread-safe, even across documents, so every call into
it here holds ``_PDFIUM``, a process-wide lock (the one module-level object, because the
constraint is the library's, not ours). Every document, page, text page and bitmap is closed
before the lock is released. Failures raise ``UnreadableFile``.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

from foodscan.errors import UnreadableFile

logger = logging.getLogger(__name__)

RENDER_DPI = 200
# A page whose text layer has fewer visible characters than this is a scan: OCR it instead.
MIN_TEXT_CHARS = 10
_POINTS_PER_INCH = 72
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class PdfPage:
    """One page: ``text`` from its text layer, or ``image`` (RGB) to OCR when it has none."""

    index: int
    text: str
    image: Image.Image | None


def render_pixels(width_pt: float, height_pt: float, dpi: int) -> int:
    """How many pixels a page of this size (in points) renders to at ``dpi``."""
    scale = dpi / _POINTS_PER_INCH
    return math.ceil(width_pt * scale) * math.ceil(height_pt * scale)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise UnreadableFile("the PDF is password-protected") from exc
        raise UnreadableFile("the PDF could not be read: it is damaged or truncated") from exc


def page_sizes(data: bytes, *, max_pages: int) -> tuple[int, list[tuple[float, float]]]:
    """The page count and, when it is within ``max_pages``, the width and height in points of
    each page; loads no page content.

    Over the limit no page is looked up: a page tree that lists one node many times claims a
    million pages in a kilobyte, and walking them costs seconds of CPU under the PDFium lock.
    """
    with _PDFIUM, _open(data) as pdf:
        count = len(pdf)  # PDFium takes the tree's /Count, up to its own cap, without walking
        if count > max_pages:
            return count, []
        try:
            return count, [pdf.get_page_size(index) for index in range(count)]
        except pdfium.PdfiumError as exc:
            raise UnreadableFile("the PDF could not be read: a page is damaged") from exc


def _has_text(text: str) -> bool:
    return sum(not ch.isspace() for ch in text) >= MIN_TEXT_CHARS


def _render(page: pdfium.PdfPage, dpi: int, max_pixels: int | None) -> Image.Image:
    scale = dpi / _POINTS_PER_INCH
    width, height = page.get_size()
    pixels = render_pixels(width, height, dpi)
    if max_pixels is not None and pixels > max_pixels:
        # Defence in depth (uploads refuses such pages): shrink rather than exhaust memory.
        scale *= math.sqrt(max_pixels / pixels) * 0.99
        logger.info("page of %.0fx%.0f pt rendered at %.0f dpi", width, height, scale * 72)
    bitmap = page.render(scale=scale)
    try:
        # to_pil may share the bitmap's buffer; copy before the bitmap is closed.
        image: Image.Image = bitmap.to_pil()
        return image.convert("RGB").copy()
    finally:
        bitmap.close()


def _read_page(pdf: pdfium.PdfDocument, index: int, dpi: int, max_pixels: int | None) -> PdfPage:
    page = pdf.get_page(index)
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
        text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
        if _has_text(text):
            return PdfPage(index=index, text=text.strip(), image=None)
        return PdfPage(index=index, text="", image=_render(page, dpi, max_pixels))
    finally:
        page.close()


def read_pdf(
    data: bytes, *, max_pages: int, dpi: int = RENDER_DPI, max_pixels: int | None = None
) -> list[PdfPage]:
    """Read every page: its text layer, or, where that is empty, an image rendered at ``dpi``.

    A page whose render would exceed ``max_pixels`` is rendered at a lower resolution.
    Raises ``UnreadableFile`` for a damaged or password-protected PDF, one with no pages, or
    one with more than ``max_pages``.
    """
    with _PDFIUM, _open(data) as pdf:
        count = len(pdf)
        if count == 0:
            raise UnreadableFile("the PDF has no pages")
        if count > max_pages:
            raise UnreadableFile(f"the PDF has {count} pages; the limit is {max_pages}")
        try:
            return [_read_page(pdf, index, dpi, max_pixels) for index in range(count)]
        except pdfium.PdfiumError as exc:
            raise UnreadableFile(f"the PDF could not be read: {exc}") from exc


def render_first_page(data: bytes, *, max_side: int) -> tuple[Image.Image, tuple[int, int]]:
    """The first page as an RGB image at most ``max_side`` pixels on its longer side, and the
    size in pixels it has at ``RENDER_DPI`` (the page ``read_pdf`` gives OCR, so the size its
    text boxes are measured on). Raises ``UnreadableFile``."""
    with _PDFIUM, _open(data) as pdf:
        if len(pdf) == 0:
            raise UnreadableFile("the PDF has no pages")
        try:
            page = pdf.get_page(0)
            try:
                width, height = page.get_size()
                scale = RENDER_DPI / _POINTS_PER_INCH
                full = (math.ceil(width * scale), math.ceil(height * scale))
                fit = min(1.0, max_side / max(full))
                return _render(page, round(RENDER_DPI * fit), None), full
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise UnreadableFile(f"the PDF could not be read: {exc}") from exc
