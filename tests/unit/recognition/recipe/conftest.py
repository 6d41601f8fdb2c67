"""Hand-made recipe documents: a DOCX written by python-docx, ZIP archives, HTML pages."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import docx
import pytest

DocxFactory = Callable[..., bytes]


@pytest.fixture
def docx_file() -> DocxFactory:
    """``make(title, ingredients, steps, heading_style=True)``: a Word recipe, lists as lists."""

    def make(title: str, ingredients: list[str], steps: list[str]) -> bytes:
        document = docx.Document()
        document.add_heading(title, level=1)
        document.add_paragraph("Serves 4")
        document.add_heading("Ingredients", level=2)
        for line in ingredients:
            document.add_paragraph(line, style="List Bullet")
        document.add_heading("Method", level=2)
        for line in steps:
            document.add_paragraph(line, style="List Number")
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    return make


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()
