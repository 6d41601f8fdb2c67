"""The ``recipe`` kind: one recipe file → a structured recipe (``RecipeParse``).

Inputs: plain text or Markdown, HTML (a saved page: its schema.org markup first, else its
visible text), DOCX, PDF (text layer; pages without one are OCR'd) and photos of a cookbook
page (OCR). Steps: validate → read → OCR (pages that need it; nothing for text files) →
parse → save. Progress events carry what is known: the title, yields and counts once the
structure is found, the whole recipe once its ingredient lines are parsed.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import Field

from foodscan.errors import NoTextFound
from foodscan.pipelines import assist, trace
from foodscan.pipelines.base import Context, Pipeline, Step
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.results import enrich_recipe
from foodscan.recognition.provenance import PROVENANCE_DESCRIPTION, LlmUsage, Provenance
from foodscan.recognition.reading import documents
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.ocr import row_texts
from foodscan.recognition.reading.pdf import RENDER_DPI, PdfPage, read_pdf
from foodscan.recognition.recipe.model import RecipeParse, RecipeSource
from foodscan.recognition.recipe.ocr_text import repair_line
from foodscan.recognition.recipe.parse import build_recipe, preview
from foodscan.recognition.recipe.sources import ReadDocument, read_document
from foodscan.recognition.recipe.structure import RecipeDraft, find_structure
from foodscan.recognition.taxonomy.categories import load_taxonomy
from foodscan.uploads.checks import inspect

IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
PDF = "application/pdf"
ACCEPTS = frozenset({documents.TEXT, documents.HTML, documents.DOCX, PDF}) | IMAGES


class RecipeResult(RecipeParse):
    """What a ``recipe`` job returns."""

    provenance: Provenance = Field(default_factory=dict, description=PROVENANCE_DESCRIPTION)
    llm: LlmUsage | None = Field(default=None, description="The vision-LLM's use; null if none")


async def _validate(ctx: Context) -> None:
    item = ctx.inputs[0]
    data = await ctx.blobs.get(item["blob_key"])
    ctx.state["file"] = ((await ctx.cpu.run(inspect, data, ctx.limits)).media_type, data)


async def _read(ctx: Context) -> None:
    media_type, data = ctx.state.pop("file")
    ctx.state["media_type"] = media_type
    pages: list[PdfPage] = []
    if media_type == PDF:
        pages = await ctx.cpu.run(
            lambda: read_pdf(data, max_pages=ctx.limits.max_pages, dpi=RENDER_DPI)
        )
    elif media_type in IMAGES:
        image = await ctx.cpu.run(lambda: decode_image(data, max_pixels=ctx.limits.max_pixels))
        pages = [PdfPage(index=0, text="", image=image)]
    else:
        ctx.state["document"] = await ctx.cpu.run(read_document, data, media_type)
    ctx.state["pages"] = pages


def _method(media_type: str, pages: list[PdfPage]) -> str:
    if media_type in IMAGES:
        return "image-ocr"
    return "pdf-ocr" if any(page.image is not None for page in pages) else "pdf-text"


async def _ocr(ctx: Context) -> None:
    pages: list[PdfPage] = ctx.state.pop("pages")
    if "document" in ctx.state:
        return
    lines: list[str] = []
    for number, page in enumerate(pages, start=1):
        if page.image is None:
            lines.extend(page.text.splitlines())
        else:
            # A cookbook page is upright: RapidOCR's direction classifier would flip some long
            # lines (step lines 89.3 % with it, 94.8 % without on the photo renderings).
            found = await ctx.cpu.run(ctx.ocr.read, page.image, ctx.lang, True)
            lines.extend(repair_line(row) for row in row_texts(found, separator=" "))
        lines.append("")
        await ctx.progress(f"Reading text (page {number} of {len(pages)})", number / len(pages))
    method = _method(ctx.state["media_type"], pages)
    ctx.state["document"] = ReadDocument(lines, method)
    ctx.state["pages_read"] = len(pages)


def _draft(document: ReadDocument) -> RecipeDraft:
    if document.draft is not None:
        return document.draft
    return find_structure(document.lines)


async def _parse(ctx: Context) -> None:
    document: ReadDocument = ctx.state.pop("document")
    if not any(line.strip() for line in document.lines) and document.draft is None:
        raise NoTextFound("no text was found in the recipe file")
    draft = await ctx.cpu.run(_draft, document)
    if not draft.ingredients and not draft.steps:
        raise NoTextFound("no ingredients or steps were found in the recipe file")
    await ctx.progress("Found the recipe's parts", 0.2, preview(draft))
    source = RecipeSource(
        media_type=ctx.state["media_type"],
        method=document.method,
        url=document.url,
        pages=ctx.state.get("pages_read", 1),
    )
    if document.language is not None and draft.language is None:
        draft = replace(draft, language=document.language)
    parsed = await ctx.cpu.run(lambda: build_recipe(draft, source, hint=ctx.lang))
    ctx.state["parsed"] = parsed
    ctx.state["text"] = "\n".join(document.lines)  # what a vision-LLM fallback reads
    ctx.partial = parsed.model_dump(mode="json")  # sent with the save step's progress event


async def _enrich(ctx: Context) -> None:
    parsed: RecipeParse = ctx.state["parsed"]
    taxonomy = load_taxonomy()
    keeper = load_keeper(taxonomy)
    parsed = await ctx.cpu.run(lambda: enrich_recipe(parsed, taxonomy, keeper))
    ctx.state["parsed"] = parsed
    ctx.partial = parsed.model_dump(mode="json")


async def _save(ctx: Context) -> None:
    parsed: RecipeParse = ctx.state["parsed"]
    result = RecipeResult.model_validate(parsed.model_dump())
    texts = [line.text for line in parsed.ingredients] + parsed.steps
    ctx.result = trace.recipe(ctx, result, parsed.source.method, texts)


RECIPE = Pipeline(
    kind="recipe",
    result_model=RecipeResult,
    accepts=ACCEPTS,
    max_files=1,
    steps=(
        Step("validate", 5, "Checking the file", _validate),
        Step("read", 15, "Reading the file", _read),
        Step("ocr", 50, "Reading text", _ocr),
        Step("parse", 25, "Understanding the recipe", _parse),
        assist.RECIPE,
        Step("enrich", 3, "Sorting the ingredients", _enrich),
        Step("save", 5, "Saving the result", _save),
    ),
)
