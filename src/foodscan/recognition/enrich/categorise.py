"""The food category of one name — a receipt item, a recipe ingredient, a product — from the
taxonomy shipped in the package (``recognition.taxonomy``, one file for every kind).

``categorise`` reads the name in its language (Cyrillic is Russian; else the document's
language) through ``Taxonomy.classify``: keywords in English, Polish and Russian in any of
their forms (stems), multi-word keywords first, the head word breaking ties. A name that names
no food but a brand the taxonomy knows gets the brand's main category. Products photographed
on a shelf are ranked by the same matcher from their packaging text
(``Taxonomy.categories_in``); a product's name is categorised here only when that found none.
"""

from __future__ import annotations

from foodscan.recognition.enrich.names import name_language
from foodscan.recognition.taxonomy.categories import Category, Taxonomy


def categorise(name: str | None, lang: str | None, taxonomy: Taxonomy) -> Category | None:
    """The category of ``name`` read in ``lang`` (en, pl, ru or ``None``), or ``None``."""
    if not name or not name.strip():
        return None
    found = taxonomy.classify(name, name_language(name, lang))
    if found is not None:
        return found
    brands = taxonomy.brands_in([(name, 1.0)])
    if brands:
        sells = taxonomy.brands[brands[0].id].categories
        if sells:
            return taxonomy.categories[sells[0]]
    return None


def category_name(category: Category | None) -> str | None:
    """The name a result shows for ``category``: its English name (the taxonomy also holds
    Polish and Russian ones), or ``None``."""
    return category.name("en") if category is not None else None
