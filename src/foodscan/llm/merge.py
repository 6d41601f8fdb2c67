"""How the vision-LLM's answer joins the offline reading, and which fields it supplied.

Products (the model gives the full answer): an answer product is matched to the offline product
that shares most photos with it. Offline barcodes and catalogue hits stay authoritative: a
catalogue product keeps its name, brand, quantity and category; the model's barcodes are kept
only for a product none was decoded for, and only with a right check digit. Otherwise the
model's name, brand, quantity and category replace the guesses read from the packaging text
(its category must be a taxonomy id, or is classified by the taxonomy from its words). An
answer product matched to none is added.

Receipts and recipes (the model is a fallback): a field is taken from the model only where the
offline reading left it empty or scored it below ``min_confidence``; lists (items, tax lines,
ingredients, steps) are replaced whole, never mixed. A receipt whose items or totals changed is
reconciled again. Each function returns the merged reading and the provenance of the fields
the model supplied (``recognition.provenance``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from foodscan.recognition.products.barcodes import gtin_valid
from foodscan.recognition.products.model import BarcodeRead, Product
from foodscan.recognition.provenance import Provenance, Source, sourced
from foodscan.recognition.receipt.model import ReceiptParse, Reconciliation
from foodscan.recognition.recipe.model import RecipeParse
from foodscan.recognition.taxonomy.categories import Category, Taxonomy

RECEIPT_KEY_FIELDS = ("merchant", "date", "total", "items")
RECEIPT_FIELDS = (
    "language", "merchant", "date", "time", "currency", "items", "subtotal", "tax", "total",
    "payment",
)  # fmt: skip
RECIPE_SCALARS = ("title", "servings", "yields", "language")
GTIN_LENGTHS = frozenset({8, 12, 13})
CENT = Decimal("0.01")


# ---- products ---------------------------------------------------------------------------------


def _category(answer: Product, taxonomy: Taxonomy) -> tuple[Category | None, bool]:
    """The taxonomy category of an answer product, and whether the model named it verbatim."""
    if answer.category and answer.category in taxonomy.categories:
        return taxonomy.categories[answer.category], True
    for text in (answer.category, answer.name):
        found = taxonomy.classify(text.replace("_", " ")) if text else None
        if found is not None:
            return found, False
    return None, False


def _barcodes(answer: Product) -> list[BarcodeRead]:
    kept = []
    for code in answer.barcodes:
        digits = "".join(ch for ch in code.text if ch.isdigit())
        if len(digits) in GTIN_LENGTHS and gtin_valid(digits):
            kept.append(BarcodeRead(format=code.format, text=digits, source="text"))
    return kept


def _from_answer(
    offline: Product | None, answer: Product, taxonomy: Taxonomy, photos: int, llm: Source
) -> tuple[Product, dict[str, Source]]:
    """One product: ``offline`` (if matched) updated by ``answer``; the fields it supplied."""
    base = offline or answer.model_copy(update={"barcodes": [], "photos": [], "confidence": 0.0})
    update: dict[str, Any] = {}  # Any: values of Product's fields
    verbatim = True
    if base.source != "catalog":
        for name in ("name", "brand", "quantity"):
            if getattr(answer, name) is not None:
                update[name] = getattr(answer, name)
        category, verbatim = _category(answer, taxonomy)
        update["category"] = category.id if category else base.category
        update["category_name"] = category.name() if category else base.category_name
        if answer.confidence > base.confidence:
            update["confidence"] = answer.confidence
    if not base.barcodes and (codes := _barcodes(answer)):
        update["barcodes"] = codes
    if not base.text and answer.text:
        update["text"] = answer.text
    seen = sorted({*base.photos, *(i for i in answer.photos if 0 <= i < photos)})
    if seen != base.photos:
        update["photos"] = seen
    sources = dict.fromkeys(update, llm)
    if base.source != "catalog" and update.get("category") and not verbatim:
        sources["category"] = Source(engine="taxonomy", step=llm.step)
    if offline is None:  # everything it has came from the model
        sources = {name: sources.get(name, llm) for name in Product.model_fields}
    sources.pop("category_name", None)  # the taxonomy's name of the category, never the model's
    return base.model_copy(update=update), sources


def _match(offline: Sequence[Product], answer: Product, taken: set[int]) -> int | None:
    best, overlap = None, 0
    for index, product in enumerate(offline):
        shared = len(set(product.photos) & set(answer.photos))
        if index not in taken and shared > overlap:
            best, overlap = index, shared
    return best


def merge_products(
    offline: Sequence[Product],
    answer: Sequence[Product],
    taxonomy: Taxonomy,
    *,
    photos: int,
    llm: Source,
) -> tuple[list[Product], Provenance]:
    """The offline products with the model's answer merged in (see the module)."""
    merged = list(offline)
    known: Provenance = {}
    taken: set[int] = set()
    for product in answer:
        index = _match(offline, product, taken)
        if index is None and len(offline) == len(answer) == 1 and not product.photos:
            index = 0  # one product either way: the model did not say which photo
        base = offline[index] if index is not None else None
        result, fields = _from_answer(base, product, taxonomy, photos, llm)
        if index is None:
            index = len(merged)
            merged.append(result)
        else:
            taken.add(index)
            merged[index] = result
        known |= sourced(result, fields, f"products[{index}].")
    return merged, known


# ---- receipts ---------------------------------------------------------------------------------


def receipt_confidence(receipt: ReceiptParse) -> float:
    """How far the offline reading can be trusted: its weakest key field (missing: 0)."""
    return min(receipt.confidence.get(name, 0.0) for name in RECEIPT_KEY_FIELDS)


def _empty(value: object) -> bool:
    if isinstance(value, BaseModel):
        return all(_empty(getattr(value, name)) for name in type(value).model_fields)
    return value is None or value in ("", [], {})


def reconciliation(receipt: ReceiptParse) -> Reconciliation:
    """Σ(item - discount) against the total (tax added where that makes it add up)."""
    if receipt.total is None or not receipt.items or any(i.total is None for i in receipt.items):
        return Reconciliation(status="needs_review")
    net = sum((Decimal(i.total or 0) - Decimal(i.discount or 0) for i in receipt.items), Decimal(0))
    tax = sum((Decimal(t.amount) for t in receipt.tax if t.amount), Decimal(0))
    difference = Decimal(receipt.total) - net
    if tax and difference == tax:
        difference -= tax
    status = "consistent" if difference == 0 else "mismatch"
    return Reconciliation(status=status, difference=str(difference.quantize(CENT)))


def fill_receipt(
    offline: ReceiptParse, answer: ReceiptParse, *, min_confidence: float, llm: Source
) -> tuple[ReceiptParse, Provenance]:
    """The offline receipt with its empty and weak fields taken from the model's answer."""
    update: dict[str, Any] = {}  # Any: values of ReceiptParse's fields
    parts_taken: list[str] = []  # "merchant.name": parts of a group the model gave
    replaced: list[str] = []  # fields whose offline score no longer applies
    for name in RECEIPT_FIELDS:
        mine, theirs = getattr(offline, name), getattr(answer, name)
        weak = _empty(mine) or offline.confidence.get(name, 0.0) < min_confidence
        if _empty(theirs):
            continue
        if isinstance(mine, BaseModel):
            parts = {
                part: getattr(theirs, part)
                for part in type(mine).model_fields
                if getattr(theirs, part) is not None and (weak or getattr(mine, part) is None)
            }
            if parts:
                update[name] = mine.model_copy(update=parts)
                parts_taken += [f"{name}.{part}" for part in parts]
                replaced += [name] if weak else []
        elif weak:
            update[name] = theirs
            replaced.append(name)
    merged = offline.model_copy(update=update)
    lists = {name: llm for name in update if not isinstance(update[name], BaseModel)}
    known = sourced(merged, lists) | dict.fromkeys(parts_taken, llm)
    if {"items", "total", "tax", "subtotal"} & update.keys():
        merged = merged.model_copy(update={"reconciliation": reconciliation(merged)})
        known |= sourced(merged, {"reconciliation": Source(engine="rules", step=llm.step)})
    confidence = {k: v for k, v in offline.confidence.items() if k not in replaced}
    return merged.model_copy(update={"confidence": confidence}), known


# ---- recipes ----------------------------------------------------------------------------------


def recipe_confidence(recipe: RecipeParse) -> float:
    """How far the offline reading can be trusted: its ingredient lines' mean (none: 0)."""
    if not recipe.ingredients:
        return 0.0
    return statistics.fmean(ingredient.confidence for ingredient in recipe.ingredients)


def fill_recipe(
    offline: RecipeParse, answer: RecipeParse, *, min_confidence: float, llm: Source
) -> tuple[RecipeParse, Provenance]:
    """The offline recipe with its empty fields, and weak ingredient list, from the answer."""
    update: dict[str, Any] = {}  # Any: values of RecipeParse's fields
    for name in RECIPE_SCALARS:
        if getattr(offline, name) is None and getattr(answer, name) is not None:
            update[name] = getattr(answer, name)
    times = {
        part: getattr(answer.times, part)
        for part in type(offline.times).model_fields
        if getattr(offline.times, part) is None and getattr(answer.times, part) is not None
    }
    if times:
        update["times"] = offline.times.model_copy(update=times)
    if not offline.steps and answer.steps:
        update["steps"] = answer.steps
    weak = recipe_confidence(offline) < min_confidence
    if answer.ingredients and weak:
        update["ingredients"] = answer.ingredients
        update["ingredient_groups"] = answer.ingredient_groups
    merged = offline.model_copy(update=update)
    known = sourced(merged, {name: llm for name in update if name != "times"})
    return merged, known | {f"times.{part}": llm for part in times}
