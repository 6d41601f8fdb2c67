"""Reading a recipe file that has text of its own: plain text or Markdown, HTML, DOCX.

The bytes were sniffed at upload (``recognition.documents``); here they become lines for
``structure`` to read, or, for an HTML page with schema.org markup, a ready ``RecipeDraft``.
A page without markup gives its visible text, list items marked as bullets so that wrapped
items stay whole. A DOCX gives its paragraphs and table rows in order, list paragraphs as
bullets. PDFs and photos are read by the pipeline (text layer, OCR), not here. Failures raise
``UnreadableFile``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO

from foodscan.errors import UnreadableFile
from foodscan.recognition.reading import documents
from foodscan.recognition.recipe.schema_org import find_recipe
from foodscan.recognition.recipe.structure import RecipeDraft

_BULLET = "- "


@dataclass(frozen=True)
class ReadDocument:
    """What a document gave: its text lines, and the recipe its markup holds (if any)."""

    lines: list[str]
    method: str
    draft: RecipeDraft | None = None
    language: str | None = None
    url: str | None = None


def read_text(data: bytes) -> ReadDocument:
    text = documents.decode_text(data)
    if text is None:
        raise UnreadableFile("the text file is not UTF-8 text")
    return ReadDocument(text.splitlines(), "text")


def _visible_lines(page: str) -> tuple[list[str], str | None, str | None]:
    """The page's visible text as lines, its ``<html lang>`` and canonical address."""
    import html_text  # noqa: PLC0415 - deferred with lxml
    import lxml.html  # noqa: PLC0415

    try:
        tree = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise UnreadableFile(f"the HTML page could not be read: {exc}") from exc
    for item in tree.iter("li"):
        item.text = _BULLET + (item.text or "")
    canonical = tree.xpath("//link[@rel='canonical']/@href") or tree.xpath(
        "//meta[@property='og:url']/@content"
    )
    url = str(canonical[0]) if canonical else None
    lang = tree.get("lang")
    text = html_text.extract_text(tree, guess_layout=True)
    return text.splitlines(), lang, url


def read_html(data: bytes) -> ReadDocument:
    page = documents.decode_html(data)
    if page is None:
        raise UnreadableFile("the HTML page is neither UTF-8 nor in a charset it declares")
    lines, lang, url = _visible_lines(page)
    found = find_recipe(page, lang)
    if found is not None:
        syntax, draft = found
        return ReadDocument(lines, syntax, draft, draft.language or lang, draft.url or url)
    return ReadDocument(lines, "html-text", None, lang, url)


def _docx_lines(data: bytes) -> list[str]:
    import docx  # noqa: PLC0415 - deferred: python-docx builds lxml classes on import
    from docx.opc.exceptions import PackageNotFoundError  # noqa: PLC0415
    from docx.table import Table  # noqa: PLC0415
    from docx.text.paragraph import Paragraph  # noqa: PLC0415
    from lxml.etree import LxmlError  # noqa: PLC0415

    try:
        document = docx.Document(BytesIO(data))
    except (
        ValueError,
        KeyError,
        OSError,
        zipfile.BadZipFile,
        LxmlError,
        PackageNotFoundError,
    ) as exc:
        raise UnreadableFile(f"the Word document could not be read: {exc}") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "") or ""
            # python-docx exposes a paragraph's list numbering only on its XML element.
            properties = block._p.pPr
            numbered = properties is not None and properties.numPr is not None
            if text and (numbered or style.startswith("List")):
                lines.append(_BULLET + text)
            elif text:
                lines.extend((text, ""))  # a paragraph: a block of its own
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
                if cells:
                    lines.append(_BULLET + " ".join(dict.fromkeys(cells)))
            lines.append("")
    return lines


def read_docx(data: bytes) -> ReadDocument:
    if (problem := documents.docx_problem(data)) is not None:
        raise UnreadableFile(problem[1])
    return ReadDocument(_docx_lines(data), "docx")


def read_document(data: bytes, media_type: str) -> ReadDocument:
    """Read a text, HTML or DOCX recipe file (by its sniffed ``media_type``)."""
    if media_type == documents.HTML:
        return read_html(data)
    if media_type == documents.DOCX:
        return read_docx(data)
    if media_type == documents.TEXT:
        return read_text(data)
    raise UnreadableFile(f"{media_type} is not a text document")
