"""The receipt parser: OCR lines in, a ``ReceiptParse`` out.

Modules, each one concept: ``rows`` (boxes → printed rows), ``amounts`` (money and quantity
formats), ``when`` (dates and times), ``locale`` (language and currency), ``header`` (store
name, address, tax number), ``item_rows`` and ``items`` (line items), ``totals`` (subtotal, tax,
total), ``payment``, ``referee`` (the receipt's arithmetic choosing between readings),
``reconcile``, and ``parse`` (which rows each part reads, confidence).
Pure and synchronous; it imports only the OCR line type from ``recognition``.
"""

from __future__ import annotations

from collections.abc import Sequence

from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.receipt.model import ReceiptParse
from foodscan.recognition.receipt.parse import parse_rows
from foodscan.recognition.receipt.rows import read_rows, text_rows

__all__ = ["parse_receipt", "parse_text"]


def parse_receipt(lines: Sequence[OcrLine], *, lang: str | None = None) -> ReceiptParse:
    """Read a receipt from its OCR lines (any order; PDF text lines with stacked boxes too).

    ``lang`` (``en``, ``pl``, ``ru``) overrides the language found in the text.
    """
    return parse_rows(read_rows(lines), lang=lang)


def parse_text(texts: Sequence[str], *, lang: str | None = None) -> ReceiptParse:
    """Read a receipt from plain text, one printed row per string (no geometry)."""
    return parse_rows(text_rows(texts), lang=lang)
