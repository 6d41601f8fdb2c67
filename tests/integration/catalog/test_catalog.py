"""The product catalogue on both engines: imports of every supported file, lookups, upserts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.catalog.sources import read_entries
from foodscan.catalog.store import SqlCatalog
from foodscan.errors import InvalidInput

OFF_COLUMNS = [
    "code",
    "product_name",
    "brands",
    "quantity",
    "categories_en",
    "energy-kcal_100g",
    "fat_100g",
    "sugars_100g",
    "proteins_100g",
    "salt_100g",
    "allergens",
]
OFF_ROWS = [
    [
        "7310865004703",
        "Mellanmjölk",
        "Arla,Arla Foods",
        "1 l",
        "Dairies,Milks",
        "46",
        "1.5",
        "4.8",
        "3.5",
        "0.1",
        "en:milk",
    ],
    [
        "036000291452",
        "Oat drink",
        "Oatly",
        "1 L",
        "Plant-based foods,Oat milks",
        "",
        "",
        "",
        "",
        "",
        "en:gluten,en:oats",
    ],
    ["", "no barcode", "", "", "", "", "", "", "", "", ""],
]


def off_csv(path: Path) -> Path:
    lines = ["\t".join(OFF_COLUMNS)] + ["\t".join(row) for row in OFF_ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_an_off_csv_export_is_imported_and_found(engine: AsyncEngine, tmp_path) -> None:
    catalog = SqlCatalog(engine)

    report = await catalog.import_entries(read_entries(off_csv(tmp_path / "off.csv")))

    assert (report.read, report.imported, report.skipped) == (3, 2, 1)
    found = await catalog.find(["7310865004703", "0036000291452", "4000000000000"])
    milk = found["7310865004703"]
    assert (milk.name, milk.brand, milk.quantity, milk.source) == (
        "Mellanmjölk",
        "Arla",
        "1 l",
        "off",
    )
    assert milk.nutrition == {
        "energy_kcal": 46.0,
        "fat": 1.5,
        "sugars": 4.8,
        "proteins": 3.5,
        "salt": 0.1,
    }
    assert milk.allergens == ("milk",)
    # A UPC-A code is stored and found under its 13-digit key, whichever form is asked for.
    oat = (await catalog.find(["036000291452"]))["0036000291452"]
    assert (oat.nutrition, oat.allergens) == (None, ("gluten", "oats"))
    assert set(found) == {"7310865004703", "0036000291452"}


async def test_an_off_jsonl_export_gzipped_is_imported(engine: AsyncEngine, tmp_path) -> None:
    products = [
        {
            "code": "5901234123457",
            "product_name": "Kefir",
            "brands": "Piątnica",
            "quantity": "400 g",
            "categories": "Fermented milks",
            "nutriments": {"energy-kcal_100g": 51, "proteins_100g": 3.4},
            "allergens_tags": ["en:milk"],
        },
        {"code": "bad", "product_name": "skipped"},
    ]
    path = tmp_path / "off.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(p) for p in products).encode()))
    catalog = SqlCatalog(engine)

    report = await catalog.import_entries(read_entries(path))

    assert (report.imported, report.skipped) == (1, 1)
    kefir = (await catalog.find(["5901234123457"]))["5901234123457"]
    assert (kefir.brand, kefir.nutrition, kefir.allergens) == (
        "Piątnica",
        {"energy_kcal": 51.0, "proteins": 3.4},
        ("milk",),
    )


async def test_an_own_csv_replaces_what_was_there(engine: AsyncEngine, tmp_path) -> None:
    catalog = SqlCatalog(engine)
    await catalog.import_entries(read_entries(off_csv(tmp_path / "off.csv")))
    own = tmp_path / "mine.csv"
    own.write_text(
        "barcode,name,brand,quantity,category,allergens\n"
        "7310865004703,Lättmjölk,Arla,1.5 l,milk,milk;lactose\n"
        "7310865004703,Lättmjölk 0.5%,Arla,1.5 l,milk,milk\n",
        encoding="utf-8",
    )

    report = await catalog.import_entries(read_entries(own))

    assert report.imported == 1  # one barcode twice in a file: the last row wins
    entry = (await catalog.find(["7310865004703"]))["7310865004703"]
    assert (entry.name, entry.quantity, entry.source) == ("Lättmjölk 0.5%", "1.5 l", "csv")
    assert entry.nutrition is None
    assert await catalog.count() == 2


async def test_many_rows_are_written_in_batches(engine: AsyncEngine, tmp_path) -> None:
    codes = [str(4_000_000_000_000 + i) for i in range(1200)]
    path = tmp_path / "many.csv"
    path.write_text("barcode,name\n" + "".join(f"{c},item {c}\n" for c in codes), encoding="utf-8")
    catalog = SqlCatalog(engine)
    report = await catalog.import_entries(read_entries(path))
    assert report.imported == 1200
    assert await catalog.count() == 1200


def test_a_csv_without_a_barcode_column_is_refused(tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,brand\nMilk,Arla\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no barcode column"):
        list(read_entries(path))
