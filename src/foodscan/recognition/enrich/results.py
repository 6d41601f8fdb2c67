"""The enrichment fields added to each kind's result: receipt items get ``normalized_name``,
``size``, ``category``, ``category_name``, ``keeps`` and ``use_by`` (when the receipt has a
date); recipe ingredients and products ``category``, ``category_name`` and ``keeps``.

Each function returns a copy of the result it is given (never changes it) and fills only what it
can: a field stays null when nothing is known. Products keep the category their packaging text
gave (``products_match``, the same taxonomy matcher); a product without one (a catalogue or
vision-LLM name, say) is categorised by its name. Storage times come from USDA FoodKeeper through
``enrich.keeps``. Pure functions over the taxonomy and the keeper; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from foodscan.recognition.enrich.categorise import categorise, category_name
from foodscan.recognition.enrich.keeps import Keeper, keeps_for, use_by
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


def enrich_item(
    item: Item, lang: str | None, taxonomy: Taxonomy, keeper: Keeper, purchased: str | None = None
) -> Item:
    """One receipt item with its normalised name, size, category and storage times (and, with
    the ``purchased`` date, an estimated use-by date)."""
    named = normalize_name(item.name, lang)
    category = categorise(named.name, lang, taxonomy) or categorise(item.name, lang, taxonomy)
    keeps = keeps_for(named.name or item.name, category, lang, keeper)
    return item.model_copy(
        update={
            "normalized_name": named.name,
            "size": NetQuantity.of(named.size) if named.size else None,
            "category": category.id if category else None,
            "category_name": category_name(category),
            "keeps": keeps,
            "use_by": use_by(keeps, purchased) if keeps is not None else None,
        }
    )


def enrich_receipt(parse: Receipt, taxonomy: Taxonomy, keeper: Keeper) -> Receipt:
    """``parse`` with every item enriched (read in the receipt's language, kept from its
    date)."""
    items = [
        enrich_item(item, parse.language, taxonomy, keeper, parse.date) for item in parse.items
    ]
    return parse.model_copy(update={"items": items})


def enrich_ingredient(
    ingredient: Ingredient, lang: str | None, taxonomy: Taxonomy, keeper: Keeper
) -> Ingredient:
    """One ingredient with its category (from its name, else its whole line) and storage
    times."""
    name = ingredient.name or ingredient.text
    category = categorise(name, lang, taxonomy)
    return ingredient.model_copy(
        update={
            "category": category.id if category else None,
            "category_name": category_name(category),
            "keeps": keeps_for(name, category, lang, keeper),
        }
    )


def enrich_recipe(parse: Recipe, taxonomy: Taxonomy, keeper: Keeper) -> Recipe:
    """``parse`` with every ingredient categorised (read in the recipe's language)."""
    lang = _language(parse.language)
    ingredients = [enrich_ingredient(i, lang, taxonomy, keeper) for i in parse.ingredients]
    return parse.model_copy(update={"ingredients": ingredients})


def enrich_products(
    products: Sequence[Product], lang: str | None, taxonomy: Taxonomy, keeper: Keeper
) -> list[Product]:
    """``products`` with a category for each that has a name but none yet, every category's
    name, and storage times (from the name, else the category alone)."""
    out = []
    for product in products:
        known = taxonomy.categories.get(product.category or "")
        if product.category is None:
            known = categorise(product.name, _language(lang), taxonomy)
        if known is None:
            out.append(product)  # no category, or one the taxonomy does not hold: kept as is
            continue
        name = product.name or known.name("en")
        update = {
            "category": known.id,
            "category_name": category_name(known),
            "keeps": keeps_for(name, known, _language(lang), keeper),
        }
        out.append(product.model_copy(update=update))
    return out
