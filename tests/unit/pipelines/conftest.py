"""Fixtures the pipeline tests share with the recognition tests (real PDFs and photos)."""

from __future__ import annotations

from tests.unit.recognition.conftest import receipt_image, text_pdf

__all__ = ["receipt_image", "text_pdf"]
