"""The ``receipt`` kind: photos (one long receipt in several shots, in order) or a PDF → a
structured receipt (``ReceiptParse``) plus the text lines it was read from.

Steps: validate → read pages → OCR (per page, Latin or Cyrillic engine) → parse → check → save.
PDF pages with a text layer skip OCR. Progress events carry the fields known so far: the header
and totals once parsed, then the items. Card numbers are masked in every stored line.
"""

from __future__ import annotations

from foodscan.errors import NoTextFound
from foodscan.pipelines import assist, ocr_progress, trace
from foodscan.pipelines.base import Context, bind
from foodscan.pipelines.kinds import ASK_LLM
from foodscan.pipelines.kinds import receipt as described
from foodscan.pipelines.kinds.receipt import ReceiptResult, TextLine
from foodscan.pipelines.state import PageLines, ReceiptState, ready
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.results import enrich_receipt
from foodscan.recognition.reading.engines import EnginePicker
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.reading.pdf import RENDER_DPI, PdfPage, read_pdf
from foodscan.recognition.reading.stitch import stitch
from foodscan.recognition.receipt import parse_receipt
from foodscan.recognition.receipt.masking import mask_card_numbers
from foodscan.recognition.receipt.model import ReceiptParse
from foodscan.recognition.taxonomy.categories import load_taxonomy
from foodscan.uploads.checks import inspect

TEXT_LINE_HEIGHT = 20.0
TEXT_LINE_WIDTH = 1000.0
PARSER_LANGS = frozenset({"en", "pl", "ru"})
HEADER_FIELDS = ("language", "merchant", "date", "time", "currency", "subtotal", "tax", "total")
Ctx = Context[ReceiptState]


def parser_lang(lang: str | None) -> str | None:
    """The parser's language (en, pl, ru) from a submit hint such as ``pl`` or ``ru-RU``."""
    head = (lang or "").strip().lower()[:2]
    return head if head in PARSER_LANGS else None


async def _validate(ctx: Ctx) -> None:
    files = []
    for item in ctx.inputs:
        data = await ctx.blobs.get(item["blob_key"])
        files.append(((await ctx.cpu.run(inspect, data, ctx.limits)).media_type, data))
    ctx.state.files = files


async def _read_pages(ctx: Ctx) -> None:
    pages: list[PdfPage] = []
    files, ctx.state.files = ctx.state.files, []
    for media_type, data in files:
        if media_type == "application/pdf":
            found = await ctx.cpu.run(
                lambda d=data: read_pdf(d, max_pages=ctx.limits.max_pages, dpi=RENDER_DPI)
            )
            pages.extend(found)
        else:
            image = await ctx.cpu.run(
                lambda d=data: decode_image(d, max_pixels=ctx.limits.max_pixels)
            )
            pages.append(PdfPage(index=len(pages), text="", image=image))
    ctx.state.pages = pages


def _text_layer_lines(page: PdfPage) -> list[OcrLine]:
    """A PDF's text lines, given stacked boxes so the parser reads them in order."""
    rows = [t.strip() for t in page.text.splitlines() if t.strip()]
    return [
        OcrLine(
            text,
            (
                (0.0, i * TEXT_LINE_HEIGHT),
                (TEXT_LINE_WIDTH, i * TEXT_LINE_HEIGHT),
                (TEXT_LINE_WIDTH, (i + 1) * TEXT_LINE_HEIGHT - 2),
                (0.0, (i + 1) * TEXT_LINE_HEIGHT - 2),
            ),
            1.0,
        )
        for i, text in enumerate(rows)
    ]


def _header(parse: ReceiptParse) -> dict[str, object]:
    return parse.model_dump(mode="json", include=set(HEADER_FIELDS))


async def _ocr(ctx: Ctx) -> None:
    pages, ctx.state.pages = ctx.state.pages, []
    per_page: list[PageLines] = []
    for number, page in enumerate(pages, start=1):
        if page.image is None:
            per_page.append((number - 1, "pdf_text", _text_layer_lines(page)))
        else:
            async with ocr_progress.reporting(ctx, ocr_progress.page(number, len(pages))):
                found = await ctx.cpu.run(ctx.ocr.read, page.image, ctx.lang)
            if isinstance(ctx.ocr, EnginePicker):
                # A second look at the unsure lines and the header rows, outside the progress
                # report: its crops are no part of the page's lines.
                found = await ctx.cpu.run(ctx.ocr.reread, page.image, found, ctx.lang)
            per_page.append((number - 1, "ocr", found))
        if number < len(pages):
            so_far = stitch([lines for _, _, lines in per_page])
            header = _header(await ctx.cpu.run(parse_receipt, so_far))
            await ctx.progress(
                f"Reading text (page {number} of {len(pages)})", number / len(pages), header
            )
    if not any(lines for _, _, lines in per_page):
        raise NoTextFound("no text was found on the receipt")
    ctx.state.per_page = per_page
    ctx.state.page_count = len(pages)


async def _parse(ctx: Ctx) -> None:
    merged = stitch([lines for _, _, lines in ctx.state.per_page])
    parsed = await ctx.cpu.run(lambda: parse_receipt(merged, lang=parser_lang(ctx.lang)))
    ctx.state.parsed = parsed
    ctx.partial = _header(parsed)  # sent with the next step's progress event


async def _enrich(ctx: Ctx) -> None:
    parsed = ready(ctx.state.parsed, "parsed")
    # The taxonomy and the keeper are built on first use (about a second, once per process):
    # in the pool, like the enrichment, never on the loop's thread.
    ctx.state.parsed = await ctx.cpu.run(
        lambda: enrich_receipt(parsed, load_taxonomy(), load_keeper(load_taxonomy()))
    )


async def _check(ctx: Ctx) -> None:
    parsed = ready(ctx.state.parsed, "parsed")
    # The parser reconciled items and total; the items join the partial result from here on.
    ctx.partial = parsed.model_dump(mode="json", exclude={"confidence"})


def _masked_lines(per_page: list[PageLines]) -> list[TextLine]:
    out = []
    for page, source, lines in per_page:
        for line in lines:
            box = None if source == "pdf_text" else [[float(x), float(y)] for x, y in line.box]
            out.append(
                TextLine(
                    page=page,
                    text=mask_card_numbers(line.text),
                    box=box,
                    confidence=round(float(line.confidence), 4),
                    source=source,
                )
            )
    return out


async def _save(ctx: Ctx) -> None:
    parsed = ready(ctx.state.parsed, "parsed")
    lines = _masked_lines(ctx.state.per_page)
    result = ReceiptResult(
        **parsed.model_dump(),
        pages=ctx.state.page_count,
        text="\n".join(line.text for line in lines),
        lines=lines,
    )
    ctx.result = trace.receipt(ctx, result)


RECEIPT = bind(
    described.RECEIPT,
    ReceiptState,
    {
        "validate": _validate,
        "read_pages": _read_pages,
        "ocr": _ocr,
        "parse": _parse,
        ASK_LLM: assist.receipt,
        "enrich": _enrich,
        "check": _check,
        "save": _save,
    },
    skips={ASK_LLM: assist.receipt_is_sure},
)
