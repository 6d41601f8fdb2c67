"""``Capabilities``: what this node's workers can read, as far as the API needs to know.

The composition root (``foodscan.serve``) builds it once from the OCR stack and puts it on
``app.state``; the API reads it to refuse work nobody here can do and to report it on
``/readyz``, without importing the OCR stack itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capabilities:
    """``ocr_languages``: ISO 639-1 codes this node reads from photos (``ru`` needs Tesseract's
    Russian data)."""

    ocr_languages: frozenset[str]
