"""The ``receipt`` kind: one photo or PDF → OCR text lines and a first parse.

Steps: validate → read pages → OCR → parse → save. PDF pages with a text layer skip OCR.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, Field

from foodscan.errors import NoTextFound
from foodscan.pipelines.base import Context, Pipeline, Step
from foodscan.recognition.images import decode_image
from foodscan.recognition.ocr import OcrLine
from foodscan.recognition.pdf import PdfPage, read_pdf
from foodscan.recognition.receipt_parse import parse_receipt
from foodscan.uploads import inspect

ACCEPTS = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
PDF_RENDER_DPI = 200


class TextLine(BaseModel):
    """One line of text: where it is, how sure the reader is, and where it came from."""

    page: int
    text: str
    box: list[list[float]] | None = Field(
        description="Four corner points [x, y] in page pixels; null for PDF text-layer lines"
    )
    confidence: float
    source: str = Field(description="'ocr' or 'pdf_text'")


class ReceiptSummary(BaseModel):
    """The first parse of a receipt; amounts are decimal strings with a dot."""

    merchant: str | None = None
    date: str | None = None
    time: str | None = None
    total: str | None = None
    currency: str | None = None


class ReceiptResult(BaseModel):
    """What a ``receipt`` job returns."""

    pages: int
    lines: list[TextLine]
    text: str
    summary: ReceiptSummary


async def _validate(ctx: Context) -> None:
    data = await ctx.blobs.get(ctx.inputs[0]["blob_key"])
    ctx.state["media_type"] = (await ctx.cpu.run(inspect, data, ctx.limits)).media_type
    ctx.state["data"] = data


async def _read_pages(ctx: Context) -> None:
    data: bytes = ctx.state.pop("data")
    if ctx.state["media_type"] == "application/pdf":
        pages = await ctx.cpu.run(
            lambda: read_pdf(data, max_pages=ctx.limits.max_pages, dpi=PDF_RENDER_DPI)
        )
    else:
        image = await ctx.cpu.run(lambda: decode_image(data, max_pixels=ctx.limits.max_pixels))
        pages = [PdfPage(index=0, text="", image=image)]
    ctx.state["pages"] = pages
    ctx.state["page_count"] = len(pages)


def _text_layer_lines(page: PdfPage) -> list[TextLine]:
    return [
        TextLine(page=page.index, text=t.strip(), box=None, confidence=1.0, source="pdf_text")
        for t in page.text.splitlines()
        if t.strip()
    ]


def _ocr_lines(page_index: int, found: list[OcrLine]) -> list[TextLine]:
    return [
        TextLine(
            page=page_index,
            text=line.text,
            box=[[float(x), float(y)] for x, y in line.box],
            confidence=round(float(line.confidence), 4),
            source="ocr",
        )
        for line in found
    ]


async def _ocr(ctx: Context) -> None:
    lines: list[TextLine] = []
    for page in ctx.state.pop("pages"):
        if page.image is None:
            lines.extend(_text_layer_lines(page))
        else:
            lines.extend(_ocr_lines(page.index, await ctx.cpu.run(ctx.ocr.read, page.image)))
    if not lines:
        raise NoTextFound("no text was found on the receipt")
    ctx.state["lines"] = lines


async def _parse(ctx: Context) -> None:
    lines: list[TextLine] = ctx.state["lines"]
    summary: dict[str, Any] = asdict(parse_receipt([line.text for line in lines]))
    ctx.state["summary"] = ReceiptSummary(**summary)


async def _save(ctx: Context) -> None:
    lines: list[TextLine] = ctx.state["lines"]
    ctx.result = ReceiptResult(
        pages=ctx.state["page_count"],
        lines=lines,
        text="\n".join(line.text for line in lines),
        summary=ctx.state["summary"],
    )


RECEIPT = Pipeline(
    kind="receipt",
    result_model=ReceiptResult,
    accepts=ACCEPTS,
    max_files=1,
    steps=(
        Step("validate", 5, "Checking the file", _validate),
        Step("read_pages", 10, "Reading pages", _read_pages),
        Step("ocr", 70, "Reading text", _ocr),
        Step("parse", 10, "Understanding the receipt", _parse),
        Step("save", 5, "Saving the result", _save),
    ),
)
