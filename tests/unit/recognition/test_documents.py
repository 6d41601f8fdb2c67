"""Sniffing text documents from their bytes: DOCX by its parts, HTML by how it starts, text by
being UTF-8 without control characters; ZIP bombs named by their declared sizes."""

from __future__ import annotations

import pytest

from foodscan.recognition.reading.documents import (
    DOCX,
    HTML,
    TEXT,
    decode_html,
    docx_problem,
    sniff_document,
)
from tests.unit.recognition.recipe.conftest import zip_bytes


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"Pancakes\n- 2 eggs\n", TEXT),
        ("\ufeffMizeria\n- 600 g ogórków\n".encode(), TEXT),
        (b"# Soup\n\nSome <b>inline</b> HTML in Markdown\n", TEXT),
        (b"<!DOCTYPE html><html><body>x</body></html>", HTML),
        (b"  <!-- saved from url=(0022)https://x.org/ -->\n<html lang='pl'>", HTML),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", HTML),
        (zip_bytes({"[Content_Types].xml": b"<T/>", "word/document.xml": b"<w/>"}), DOCX),
    ],
)
def test_documents_are_named_from_their_content(data: bytes, media_type: str) -> None:
    assert sniff_document(data) == media_type


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n\t",
        b"\xff\xfeP\x00a\x00",  # UTF-16: not UTF-8
        "Zupa z łososia".encode("cp1250"),
        b"MZ\x90\x00binary\x00\x01",
        b"text with a \x1b[31m terminal escape",
        zip_bytes({"content.xml": b"<office/>"}),  # an OpenDocument, not Word
        b"PK\x03\x04 truncated",
    ],
)
def test_binary_and_foreign_bytes_are_not_documents(data: bytes) -> None:
    assert sniff_document(data) is None


def test_html_in_a_declared_legacy_charset_is_decoded() -> None:
    data = '<html><head><meta charset="windows-1250"></head><body>Żurek</body></html>'
    assert "Żurek" in (decode_html(data.encode("cp1250")) or "")


def test_a_zip_bomb_is_refused_from_its_declared_sizes() -> None:
    bomb = zip_bytes({"word/document.xml": b"<w/>", "word/media/big.bin": b"\0" * 60_000_000})
    assert sniff_document(bomb) == DOCX
    problem = docx_problem(bomb)
    assert problem is not None
    assert problem[0] == "too_large"
    many = zip_bytes({"word/document.xml": b"<w/>"} | {f"p/{i}": b"" for i in range(2001)})
    assert docx_problem(many) == ("too_large", "the document has 2002 parts; the limit is 2000")
