"""The enrichment fields added to each kind's result: receipt items get ``normalized_name``,
``size``, ``category`` and ``category_name``; recipe ingredients and products ``category`` and
``category_name``.

Each function returns a copy of the result it is given (never changes it) and fills only what it
can: a field stays null when nothing is known. Products keep the category their packaging text
gave (``products_match``, the same taxonomy matcher); a product without one (a catalogue or
vision-LLM name, say) is categorised by its name. Pure functions over the taxonomy; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from foodscan.recognition.enrich.categorise import categorise, category_name
from foodscan.recognition.enrich.names import normalize_name
from foodscan.recognition.net_quantity import NetQuantity
from foodscan.recognition.products.model import Product
from foodscan.recognition.receipt.model import Item, ReceiptParse
from foodscan.recognition.recipe.model import Ingredient, RecipeParse
from foodscan.recognition.taxonomy.categories import Taxonomy

Receipt = TypeVar("Receipt", bound=ReceiptParse)
Recipe = TypeVar("Recipe", bound=RecipeParse)


def _language(tag: str | None) -> str | None:
    head = (tag or "").strip().lower()[:2]
    return head if head in ("en", "pl", "ru") else None


def enrich_item(item: Item, lang: str | None, taxonomy: Taxonomy) -> Item:
    """One receipt item with its normalised name, size and category."""
    named = normalize_name(item.name, lang)
    category = categorise(named.name, lang, taxonomy) or categorise(item.name, lang, taxonomy)
    return item.model_copy(
        update={
            "normalized_name": named.name,
            "size": NetQuantity.of(named.size) if named.size else None,
            "category": category.id if category else None,
            "category_name": category_name(category),
        }
    )


def enrich_receipt(parse: Receipt, taxonomy: Taxonomy) -> Receipt:
    """``parse`` with every item enriched (read in the receipt's language)."""
    items = [enrich_item(item, parse.language, taxonomy) for item in parse.items]
    return parse.model_copy(update={"items": items})


def enrich_ingredient(ingredient: Ingredient, lang: str | None, taxonomy: Taxonomy) -> Ingredient:
    """One ingredient with its category (from its name, else its whole line)."""
    category = categorise(ingredient.name or ingredient.text, lang, taxonomy)
    return ingredient.model_copy(
        update={
            "category": category.id if category else None,
            "category_name": category_name(category),
        }
    )


def enrich_recipe(parse: Recipe, taxonomy: Taxonomy) -> Recipe:
    """``parse`` with every ingredient categorised (read in the recipe's language)."""
    lang = _language(parse.language)
    ingredients = [enrich_ingredient(i, lang, taxonomy) for i in parse.ingredients]
    return parse.model_copy(update={"ingredients": ingredients})


def enrich_products(
    products: Sequence[Product], lang: str | None, taxonomy: Taxonomy
) -> list[Product]:
    """``products`` with a category for each that has a name but none yet, and every
    category's name."""
    out = []
    for product in products:
        known = taxonomy.categories.get(product.category or "")
        if product.category is None:
            known = categorise(product.name, _language(lang), taxonomy)
        if known is None:
            out.append(product)  # no category, or one the taxonomy does not hold: kept as is
            continue
        update = {"category": known.id, "category_name": category_name(known)}
        out.append(product.model_copy(update=update))
    return out
