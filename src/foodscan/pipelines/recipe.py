"""The ``recipe`` kind: one recipe file → a structured recipe (``RecipeParse``).

Inputs: plain text or Markdown, HTML (a saved page: its schema.org markup first, else its
visible text), DOCX, PDF (text layer; pages without one are OCR'd) and photos of a cookbook
page (OCR). Steps: validate → read → OCR (pages that need it; nothing for text files) →
parse → save. Progress events carry what is known: the title, yields and counts once the
structure is found, the whole recipe once its ingredient lines are parsed.
"""

from __future__ import annotations

from dataclasses import replace

from foodscan.errors import NoTextFound
from foodscan.pipelines import assist, ocr_progress, trace
from foodscan.pipelines.base import Context, bind
from foodscan.pipelines.kinds import ASK_LLM
from foodscan.pipelines.kinds import recipe as described
from foodscan.pipelines.kinds.recipe import IMAGES, PDF, RecipeResult
from foodscan.pipelines.state import RecipeState, ready
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.results import enrich_recipe
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import row_texts
from foodscan.recognition.reading.pdf import RENDER_DPI, PdfPage, read_pdf
from foodscan.recognition.recipe.model import RecipeSource
from foodscan.recognition.recipe.ocr_text import repair_line
from foodscan.recognition.recipe.parse import build_recipe, preview
from foodscan.recognition.recipe.sources import ReadDocument, read_document
from foodscan.recognition.recipe.structure import RecipeDraft, find_structure
from foodscan.recognition.taxonomy.categories import load_taxonomy
from foodscan.uploads.checks import inspect

Ctx = Context[RecipeState]


async def _validate(ctx: Ctx) -> None:
    item = ctx.inputs[0]
    data = await ctx.blobs.get(item["blob_key"])
    ctx.state.file = ((await ctx.cpu.run(inspect, data, ctx.limits)).media_type, data)


async def _read(ctx: Ctx) -> None:
    media_type, data = ready(ctx.state.file, "file")
    ctx.state.file = None
    ctx.state.media_type = media_type
    pages: list[PdfPage] = []
    if media_type == PDF:
        pages = await ctx.cpu.run(
            lambda: read_pdf(data, max_pages=ctx.limits.max_pages, dpi=RENDER_DPI)
        )
    elif media_type in IMAGES:
        image = await ctx.cpu.run(lambda: decode_image(data, max_pixels=ctx.limits.max_pixels))
        pages = [PdfPage(index=0, text="", image=image)]
    else:
        ctx.state.document = await ctx.cpu.run(read_document, data, media_type)
    ctx.state.pages = pages


def _method(media_type: str, pages: list[PdfPage]) -> str:
    if media_type in IMAGES:
        return "image-ocr"
    return "pdf-ocr" if any(page.image is not None for page in pages) else "pdf-text"


async def _ocr(ctx: Ctx) -> None:
    pages, ctx.state.pages = ctx.state.pages, []
    if ctx.state.document is not None:
        return
    lines: list[str] = []
    for number, page in enumerate(pages, start=1):
        if page.image is None:
            lines.extend(page.text.splitlines())
        else:
            # A cookbook page is upright: RapidOCR's direction classifier would flip some long
            # lines (step lines 89.3 % with it, 94.8 % without on the photo renderings).
            async with ocr_progress.reporting(ctx, ocr_progress.page(number, len(pages))):
                found = await ctx.cpu.run(ctx.ocr.read, page.image, ctx.lang, True)
            lines.extend(repair_line(row) for row in row_texts(found, separator=" "))
        lines.append("")
        await ctx.progress(f"Reading text (page {number} of {len(pages)})", number / len(pages))
    ctx.state.document = ReadDocument(lines, _method(ctx.state.media_type, pages))
    ctx.state.pages_read = len(pages)


def _draft(document: ReadDocument) -> RecipeDraft:
    if document.draft is not None:
        return document.draft
    return find_structure(document.lines)


async def _parse(ctx: Ctx) -> None:
    document = ready(ctx.state.document, "document")
    ctx.state.document = None
    if not any(line.strip() for line in document.lines) and document.draft is None:
        raise NoTextFound("no text was found in the recipe file")
    draft = await ctx.cpu.run(_draft, document)
    if not draft.ingredients and not draft.steps:
        raise NoTextFound("no ingredients or steps were found in the recipe file")
    await ctx.progress("Found the recipe's parts", 0.2, preview(draft))
    source = RecipeSource(
        media_type=ctx.state.media_type,
        method=document.method,
        url=document.url,
        pages=ctx.state.pages_read,
    )
    if document.language is not None and draft.language is None:
        draft = replace(draft, language=document.language)
    parsed = await ctx.cpu.run(lambda: build_recipe(draft, source, hint=ctx.lang))
    ctx.state.parsed = parsed
    ctx.state.text = "\n".join(document.lines)  # what a vision-LLM fallback reads
    ctx.partial = parsed.model_dump(mode="json")  # sent with the save step's progress event


async def _enrich(ctx: Ctx) -> None:
    read = ready(ctx.state.parsed, "parsed")
    # The taxonomy and the keeper are built on first use (about a second, once per process):
    # in the pool, like the enrichment, never on the loop's thread.
    parsed = await ctx.cpu.run(
        lambda: enrich_recipe(read, load_taxonomy(), load_keeper(load_taxonomy()))
    )
    ctx.state.parsed = parsed
    ctx.partial = parsed.model_dump(mode="json")


async def _save(ctx: Ctx) -> None:
    parsed = ready(ctx.state.parsed, "parsed")
    result = RecipeResult.model_validate(parsed.model_dump())
    texts = [line.text for line in parsed.ingredients] + parsed.steps
    ctx.result = trace.recipe(ctx, result, parsed.source.method, texts)


RECIPE = bind(
    described.RECIPE,
    RecipeState,
    {
        "validate": _validate,
        "read": _read,
        "ocr": _ocr,
        "parse": _parse,
        ASK_LLM: assist.recipe,
        "enrich": _enrich,
        "save": _save,
    },
    skips={ASK_LLM: assist.recipe_is_sure},
)
