"""foodscan's food taxonomy: categories and brands (``categories``, with its data in
``food_taxonomy.json``), the keyword matcher under it (``terms``) and word stems for English,
Polish and Russian (``stems``)."""

from __future__ import annotations
