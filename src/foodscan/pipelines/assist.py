"""The vision-LLM step (``ask_llm``) of each pipeline, skipped unless a model is configured.

Products: always with a model (its full answer from every photo of the job, merged with what
was read offline). Receipts and recipes: a fallback, only when the offline reading scores below
``FOODSCAN_LLM_MIN_CONFIDENCE`` (``llm.merge``: its weakest key field for a receipt, its
ingredient lines' mean for a recipe); the model then fills what offline left empty or weak.
A kind missing from ``FOODSCAN_LLM_KINDS`` never asks. The fields the model supplied are
recorded for the result's provenance (``trace.KNOWN``), its tokens in the job's usage.
"""

from __future__ import annotations

from typing import TypeVar

from PIL import Image

from foodscan.llm.client import LlmProvider
from foodscan.llm.merge import (
    fill_receipt,
    fill_recipe,
    merge_products,
    receipt_confidence,
    recipe_confidence,
)
from foodscan.llm.photos import data_url
from foodscan.llm.readings import read_products, read_receipt, read_recipe
from foodscan.llm.usage import Usage
from foodscan.pipelines.base import Context
from foodscan.pipelines.kinds import ASK_LLM
from foodscan.pipelines.state import ProductsState, ReceiptState, RecipeState, Traced, ready
from foodscan.recognition.provenance import Source
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.pdf import RENDER_DPI, read_pdf
from foodscan.recognition.receipt.masking import mask_card_numbers
from foodscan.uploads.checks import sniff

PDF = "application/pdf"
S = TypeVar("S")
T = TypeVar("T", bound=Traced)


def _llm(ctx: Context[S]) -> LlmProvider:
    if ctx.llm is None:
        raise RuntimeError("the ask_llm step ran without a provider")
    return ctx.llm


def _usage(ctx: Context[T]) -> Usage:
    if ctx.state.usage is None:
        ctx.state.usage = _llm(ctx).usage()
    return ctx.state.usage


def _source(ctx: Context[S]) -> Source:
    return Source(engine=_llm(ctx).engine, step=ASK_LLM)


async def _images(ctx: Context[S]) -> list[str]:
    """The job's files as data URLs: each photo, and each PDF page without a text layer."""
    side = _llm(ctx).config.max_image_side
    images: list[Image.Image] = []
    for item in ctx.inputs:
        data = await ctx.blobs.get(item["blob_key"])
        if (item.get("media_type") or sniff(data)) == PDF:
            pages = await ctx.cpu.run(
                lambda d=data: read_pdf(d, max_pages=ctx.limits.max_pages, dpi=RENDER_DPI)
            )
            images += [page.image for page in pages if page.image is not None]
        else:
            images.append(
                await ctx.cpu.run(lambda d=data: decode_image(d, max_pixels=ctx.limits.max_pixels))
            )
    return [await ctx.cpu.run(data_url, image, side) for image in images]


def off(ctx: Context[S]) -> bool:
    """Whether the step is skipped: no model configured, or not for this kind."""
    return ctx.llm is None or not ctx.llm.wants(ctx.kind)


# ---- products ---------------------------------------------------------------------------------


async def products(ctx: Context[ProductsState]) -> None:
    """The model's reading of every photo, merged with the offline one."""
    llm = _llm(ctx)
    offline = ctx.state.products
    taxonomy = ready(ctx.state.taxonomy, "taxonomy")
    images = await _images(ctx)
    await ctx.progress(f"Sending {len(images)} photos to the vision-LLM", 0.2)
    codes = [code.text for product in offline for code in product.barcodes]
    answer = await read_products(llm, images, _usage(ctx), barcodes=codes, lang=ctx.lang)
    merged, supplied = merge_products(
        offline, answer, taxonomy, photos=len(images), llm=_source(ctx)
    )
    ctx.state.products = merged
    ctx.state.known.update(supplied)
    ctx.partial = {"products": [p.model_dump(mode="json", exclude={"text"}) for p in merged]}


# ---- receipts ---------------------------------------------------------------------------------


def receipt_is_sure(ctx: Context[ReceiptState]) -> bool:
    """Whether the step is skipped: off, or the offline reading is sure enough."""
    parsed = ready(ctx.state.parsed, "parsed")
    return off(ctx) or receipt_confidence(parsed) >= _llm(ctx).config.min_confidence


async def receipt(ctx: Context[ReceiptState]) -> None:
    """The model fills what the offline reading left empty or weak."""
    llm = _llm(ctx)
    parsed = ready(ctx.state.parsed, "parsed")
    per_page = ctx.state.per_page
    text = "\n".join(mask_card_numbers(line.text) for _, _, lines in per_page for line in lines)
    images = await _images(ctx)
    await ctx.progress("The offline reading is unsure: asking the vision-LLM", 0.2)
    answer = await read_receipt(llm, images, text, _usage(ctx), ctx.lang)
    filled, supplied = fill_receipt(
        parsed, answer, min_confidence=llm.config.min_confidence, llm=_source(ctx)
    )
    ctx.state.parsed = filled
    ctx.state.known.update(supplied)


# ---- recipes ----------------------------------------------------------------------------------


def recipe_is_sure(ctx: Context[RecipeState]) -> bool:
    """Whether the step is skipped: off, or the offline reading is sure enough."""
    parsed = ready(ctx.state.parsed, "parsed")
    return off(ctx) or recipe_confidence(parsed) >= _llm(ctx).config.min_confidence


async def recipe(ctx: Context[RecipeState]) -> None:
    """The model fills what the offline reading left empty or weak."""
    llm = _llm(ctx)
    parsed = ready(ctx.state.parsed, "parsed")
    photo = parsed.source.method in {"image-ocr", "pdf-ocr"}
    images = await _images(ctx) if photo else []
    await ctx.progress("The offline reading is unsure: asking the vision-LLM", 0.2)
    answer = await read_recipe(
        llm, images, ctx.state.text, _usage(ctx), source=parsed.source, lang=ctx.lang
    )
    filled, supplied = fill_recipe(
        parsed, answer, min_confidence=llm.config.min_confidence, llm=_source(ctx)
    )
    ctx.state.parsed = filled
    ctx.state.known.update(supplied)
    ctx.partial = filled.model_dump(mode="json")
