"""Every SQL statement of the product catalogue, one function each; the dialect branch (the
upsert) lives here only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from foodscan.db.tables import catalog_products

Row = sa.Row[Any]  # Any: the table's own column types
_UPDATED = ("name", "brand", "quantity", "categories", "nutrition", "allergens", "source")


async def upsert_products(
    conn: AsyncConnection, values: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Insert these products, replacing any with the same barcode (one barcode once each)."""
    if not values:
        return
    rows = [{**value, "updated_at": now} for value in values]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(catalog_products).values(rows)
    query = insert.on_conflict_do_update(
        index_elements=[catalog_products.c.barcode],
        set_={name: insert.excluded[name] for name in (*_UPDATED, "updated_at")},
    )
    await conn.execute(query)


async def find_products(conn: AsyncConnection, barcodes: Sequence[str]) -> Sequence[Row]:
    """The catalogue rows of these barcodes."""
    if not barcodes:
        return []
    query = sa.select(catalog_products).where(catalog_products.c.barcode.in_(list(barcodes)))
    return (await conn.execute(query)).all()


async def count_products(conn: AsyncConnection) -> int:
    """How many products the catalogue holds."""
    query = sa.select(sa.func.count()).select_from(catalog_products)
    return int((await conn.execute(query)).scalar_one())
