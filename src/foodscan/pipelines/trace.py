"""The provenance and the LLM usage of each kind's result, filled in by its save step.

Every non-null field gets an entry (``recognition.provenance.attribute``): by default the engine
that read the text the rules parsed it from (``rapidocr``, ``tesseract``, ``pdf-text``,
``schema.org`` for recipe markup, ``rules`` for plain-text documents) and the step that parsed
it; derived fields their own (``reconciliation``: ``rules``; taxonomy fields: ``taxonomy``;
storage times (``keeps``, ``use_by``): ``foodkeeper``;
catalogue fields: ``catalog``; decoded barcodes: ``zxing``). What a step recorded under
``state.known`` (the vision-LLM's fields: ``llm:<model>``) wins. Raw readings (receipt ``lines``,
product ``photos``) and bookkeeping (``confidence``, recipe ``source``) carry none.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from foodscan.pipelines.base import Context
from foodscan.pipelines.state import ReceiptState, Traced
from foodscan.recognition.products.model import ProductsResult
from foodscan.recognition.provenance import Provenance, Source, attribute, sourced
from foodscan.recognition.reading.engines import engine_name

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T", bound=Traced)

META = frozenset({"provenance", "llm"})
ENRICH = Source(engine="taxonomy", step="enrich")
FOODKEEPER = Source(engine="foodkeeper", step="enrich")
# The enrichment step's fields on receipt items, ingredients and products; a ``keeps``' own
# ``category`` (FoodKeeper's) is named by its whole path, before the taxonomy's ``category``.
ENRICHED = {
    **dict.fromkeys(("category", "category_name", "normalized_name", "size"), ENRICH),
    **dict.fromkeys(("keeps", "use_by"), FOODKEEPER),
    **{f"{part}[].keeps.category": FOODKEEPER for part in ("items", "ingredients", "products")},
}
SCHEMA_ORG = frozenset({"json-ld", "microdata"})
CATALOG_FIELDS = (
    "name", "brand", "quantity", "category", "source", "nutrition", "allergens", "confidence",
)  # fmt: skip


def finish(
    ctx: Context[T],
    result: R,
    *,
    default: Source,
    rules: dict[str, Source],
    skip: frozenset[str],
    offline: Provenance | None = None,
) -> R:
    """``result`` with its ``provenance`` and ``llm`` filled in."""
    usage = ctx.state.usage
    known = {**(offline or {}), **ctx.state.known}
    provenance = attribute(result, default=default, rules=rules, known=known, skip=skip)
    update: dict[str, Any] = {"provenance": provenance}  # Any: the two fields' values
    update["llm"] = usage.report() if usage is not None else None
    return result.model_copy(update=update)


def receipt(ctx: Context[ReceiptState], result: R) -> R:
    """A receipt's result: parsed by rules from what each page's reader read."""
    per_page = ctx.state.per_page
    engines = sorted(
        {
            "pdf-text"
            if source == "pdf_text"
            else engine_name(ctx.ocr, ctx.lang, (line.text for line in lines))
            for _, source, lines in per_page
        }
    )
    reader = "+".join(engines) or "ocr"
    rules = {
        **ENRICHED,
        "reconciliation": Source(engine="rules", step="parse"),
        "text": Source(engine=reader, step="ocr"),
    }
    skip = META | {"lines", "pages", "confidence"}
    return finish(ctx, result, default=Source(engine=reader, step="parse"), rules=rules, skip=skip)


def recipe(ctx: Context[T], result: R, method: str, texts: list[str]) -> R:
    """A recipe's result: from its markup, its text layer, its OCR'd pages or its plain text."""
    if method in SCHEMA_ORG:
        engine = "schema.org"
    elif method == "pdf-text":
        engine = "pdf-text"
    elif method.endswith("-ocr"):
        engine = engine_name(ctx.ocr, ctx.lang, texts)
    else:
        engine = "rules"
    default = Source(engine=engine, step="parse")
    return finish(ctx, result, default=default, rules=dict(ENRICHED), skip=META | {"source"})


def products(ctx: Context[T], result: ProductsResult) -> ProductsResult:
    """A products result: packaging text by OCR, categories by the taxonomy, barcodes by zxing
    (or the printed digits), catalogue hits from the catalogue."""
    reader = engine_name(ctx.ocr, ctx.lang, (p.text for p in result.products))
    offline: Provenance = {}
    catalog = Source(engine="catalog", step="merge")
    for index, product in enumerate(result.products):
        prefix = f"products[{index}]."
        if product.source == "catalog":
            offline |= sourced(product, dict.fromkeys(CATALOG_FIELDS, catalog), prefix)
        for number, code in enumerate(product.barcodes):
            engine = "zxing" if code.source == "image" else reader
            for part in ("format", "text", "source"):
                path = f"{prefix}barcodes[{number}].{part}"
                offline[path] = Source(engine=engine, step="read_photos")
    # The category as read from the packaging text; its name, as the enrichment step gives it.
    rules = {**ENRICHED, "category": Source(engine="taxonomy", step="read_photos")}
    default = Source(engine=reader, step="read_photos")
    return finish(
        ctx, result, default=default, rules=rules, skip=META | {"photos"}, offline=offline
    )
