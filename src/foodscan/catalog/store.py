"""``SqlCatalog``: import into the catalogue and look products up, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.catalog import sql
from foodscan.catalog.entry import CatalogEntry
from foodscan.recognition.products.barcodes import gtin_key

BATCH = 500  # rows per statement: 9 columns each stays under both engines' parameter limits


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read, products written, rows skipped (no usable barcode)."""

    read: int
    imported: int
    skipped: int


def _values(entry: CatalogEntry) -> dict[str, Any]:  # Any: column values
    return {
        "barcode": entry.barcode,
        "name": entry.name,
        "brand": entry.brand,
        "quantity": entry.quantity,
        "categories": entry.categories,
        "nutrition": dict(entry.nutrition) if entry.nutrition else None,
        "allergens": list(entry.allergens),
        "source": entry.source,
    }


def _entry(row: sql.Row) -> CatalogEntry:
    return CatalogEntry(
        barcode=row.barcode,
        name=row.name,
        brand=row.brand,
        quantity=row.quantity,
        categories=row.categories,
        nutrition=row.nutrition,
        allergens=tuple(row.allergens or ()),
        source=row.source,
    )


class SqlCatalog:
    """The catalogue in the database; implements ``ProductLookup``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def import_entries(self, entries: Iterable[CatalogEntry | None]) -> ImportReport:
        """Write ``entries`` (``None``: a skipped row) in batches; the last of a barcode wins."""
        read = skipped = imported = 0
        batch: dict[str, dict[str, Any]] = {}  # Any: column values
        for entry in entries:
            read += 1
            if entry is None:
                skipped += 1
                continue
            batch[entry.barcode] = _values(entry)
            if len(batch) >= BATCH:
                imported += await self._write(batch)
                batch = {}
        imported += await self._write(batch)
        return ImportReport(read=read, imported=imported, skipped=skipped)

    async def _write(self, batch: dict[str, dict[str, Any]]) -> int:  # Any: column values
        if batch:
            async with self.engine.begin() as conn:
                await sql.upsert_products(conn, list(batch.values()), datetime.now(UTC))
        return len(batch)

    async def find(self, barcodes: Sequence[str]) -> dict[str, CatalogEntry]:
        """The entries of ``barcodes`` (any form: UPC-A and EAN-13 alike), by GTIN key."""
        keys = sorted({gtin_key(code) for code in barcodes})
        async with self.engine.connect() as conn:
            rows = await sql.find_products(conn, keys)
        return {row.barcode: _entry(row) for row in rows}

    async def count(self) -> int:
        """How many products the catalogue holds."""
        async with self.engine.connect() as conn:
            return await sql.count_products(conn)
