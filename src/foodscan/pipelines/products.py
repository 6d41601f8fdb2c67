"""The ``products`` kind: 1 to 10 photos of grocery products → the products they show.

Steps: validate → read photos → look up → merge → save. The photos are read side by side
through the job's CPU runner (decoding and barcode reading in parallel; the OCR engine reads
one image at a time), and each photo that finishes sends a progress event whose partial result
holds the photos and per-photo products read so far. Barcodes found in the local catalogue
(``foodscan catalog import``) give name, brand, quantity, nutrition and allergens; front and
back photos of one product are merged (``recognition.products_match.group``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from foodscan.catalog.entry import CatalogEntry
from foodscan.pipelines import assist, ocr_progress, trace
from foodscan.pipelines.base import Context, bind
from foodscan.pipelines.kinds import ASK_LLM
from foodscan.pipelines.kinds import products as described
from foodscan.pipelines.state import ProductsState, ready
from foodscan.recognition.enrich.keeps import load_keeper
from foodscan.recognition.enrich.results import enrich_products
from foodscan.recognition.net_quantity import NetQuantity
from foodscan.recognition.products.match import ProductGuess, group, guess
from foodscan.recognition.products.model import Photo, Product, ProductsResult
from foodscan.recognition.products.photo import PhotoReading, read_photo
from foodscan.recognition.quantity import parse_quantity
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.taxonomy.categories import Taxonomy, load_taxonomy
from foodscan.uploads.checks import inspect

CATALOG_CONFIDENCE = 0.95
Ctx = Context[ProductsState]


def _product(guess_: ProductGuess, taxonomy: Taxonomy) -> Product:
    category = taxonomy.categories.get(guess_.category or "")
    return Product.of(guess_, category.name() if category else None)


async def _validate(ctx: Ctx) -> None:
    photos = []
    for item in ctx.inputs:
        data = await ctx.blobs.get(item["blob_key"])
        await ctx.cpu.run(inspect, data, ctx.limits)
        photos.append(data)
    ctx.state.photos = photos
    ctx.state.taxonomy = await ctx.cpu.run(load_taxonomy)


async def _read_one(
    ctx: Ctx, index: int, data: bytes, taxonomy: Taxonomy, shares: dict[int, float]
) -> tuple[PhotoReading, ProductGuess]:
    image = await ctx.cpu.run(lambda: decode_image(data, max_pixels=ctx.limits.max_pixels))
    async with ocr_progress.reporting(ctx, ocr_progress.photo(index, len(shares), shares)):
        reading = await ctx.cpu.run(read_photo, image, ctx.ocr, index, ctx.lang)
    return reading, await ctx.cpu.run(guess, reading, taxonomy)


def _partial(
    done: dict[int, tuple[PhotoReading, ProductGuess]], taxonomy: Taxonomy
) -> dict[str, Any]:
    ordered = [done[index] for index in sorted(done)]
    return {
        "photos": [
            Photo.of(reading).model_dump(mode="json", exclude={"lines"}) for reading, _ in ordered
        ],
        "products": [
            _product(g, taxonomy).model_dump(mode="json", exclude={"text"}) for _, g in ordered
        ],
    }


async def _read_photos(ctx: Ctx) -> None:
    photos, ctx.state.photos = ctx.state.photos, []
    taxonomy = ready(ctx.state.taxonomy, "taxonomy")
    # Each photo's share read (0 to 1), for the step's progress (ocr_progress.photo).
    shares = dict.fromkeys(range(len(photos)), 0.0)
    tasks = [
        asyncio.create_task(_read_one(ctx, index, data, taxonomy, shares))
        for index, data in enumerate(photos)
    ]
    done: dict[int, tuple[PhotoReading, ProductGuess]] = {}
    try:
        for finished in asyncio.as_completed(tasks):
            reading, found = await finished
            done[reading.index] = (reading, found)
            shares[reading.index] = 1.0
            await ctx.progress(
                f"Read photo {reading.index + 1} ({len(done)} of {len(photos)} done)",
                sum(shares.values()) / len(photos),
                _partial(done, taxonomy),
            )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    ctx.state.read = [done[index] for index in sorted(done)]


async def _look_up(ctx: Ctx) -> None:
    codes = [code.gtin for reading, _ in ctx.state.read for code in reading.barcodes]
    found: dict[str, CatalogEntry] = {}
    if codes and ctx.catalog is not None:
        found = await ctx.catalog.find(codes)
    ctx.state.catalog = found


def _from_catalog(product: Product, entry: CatalogEntry, taxonomy: Taxonomy) -> Product:
    quantity = parse_quantity(entry.quantity or "")
    category = taxonomy.classify(entry.categories or "") if entry.categories else None
    return product.model_copy(
        update={
            "name": entry.name or product.name,
            "brand": entry.brand or product.brand,
            "quantity": NetQuantity.of(quantity) if quantity else product.quantity,
            "category": category.id if category else product.category,
            "category_name": category.name() if category else product.category_name,
            "source": "catalog",
            "nutrition": dict(entry.nutrition) if entry.nutrition else None,
            "allergens": list(entry.allergens),
            "confidence": max(product.confidence, CATALOG_CONFIDENCE),
        }
    )


async def _merge(ctx: Ctx) -> None:
    taxonomy = ready(ctx.state.taxonomy, "taxonomy")
    catalog = ctx.state.catalog
    merged = await ctx.cpu.run(group, [g for _, g in ctx.state.read], taxonomy)
    products = []
    for item in merged:
        product = _product(item, taxonomy)
        entry = next((catalog[k] for k in (c.gtin for c in item.barcodes) if k in catalog), None)
        products.append(_from_catalog(product, entry, taxonomy) if entry else product)
    ctx.state.products = products
    ctx.partial = {"products": [p.model_dump(mode="json", exclude={"text"}) for p in products]}


async def _enrich(ctx: Ctx) -> None:
    taxonomy = ready(ctx.state.taxonomy, "taxonomy")
    found, lang = ctx.state.products, ctx.lang
    # The keeper is built on first use (about a second, once per process): in the pool.
    products = await ctx.cpu.run(
        lambda: enrich_products(found, lang, taxonomy, load_keeper(taxonomy))
    )
    ctx.state.products = products
    ctx.partial = {"products": [p.model_dump(mode="json", exclude={"text"}) for p in products]}


async def _save(ctx: Ctx) -> None:
    photos = [Photo.of(reading) for reading, _ in ctx.state.read]
    ctx.result = trace.products(ctx, ProductsResult(products=ctx.state.products, photos=photos))


PRODUCTS = bind(
    described.PRODUCTS,
    ProductsState,
    {
        "validate": _validate,
        "read_photos": _read_photos,
        "look_up": _look_up,
        "merge": _merge,
        ASK_LLM: assist.products,
        "enrich": _enrich,
        "save": _save,
    },
    skips={ASK_LLM: assist.off},
)
