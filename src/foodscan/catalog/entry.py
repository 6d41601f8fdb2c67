"""A catalogue entry and the lookup seam the pipelines depend on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One product of the catalogue. ``barcode`` is a GTIN key (``barcodes.gtin_key``);
    ``nutrition`` is per 100 g or 100 ml (``energy_kcal``, ``fat``, ``sugars``, …)."""

    barcode: str
    name: str | None
    brand: str | None
    quantity: str | None
    categories: str | None
    nutrition: Mapping[str, float] | None = None
    allergens: tuple[str, ...] = ()
    source: str = field(default="csv")


class ProductLookup(Protocol):
    """Finds catalogue entries by barcode (``store.SqlCatalog`` implements it)."""

    async def find(self, barcodes: Sequence[str]) -> dict[str, CatalogEntry]:
        """The entries of those ``barcodes`` (GTIN keys) that the catalogue holds, by key."""
        ...
