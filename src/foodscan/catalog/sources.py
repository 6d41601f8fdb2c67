"""Reading catalogue files: Open Food Facts CSV (tab-separated) and JSONL exports, plain or
gzipped, and a small comma-separated CSV of one's own (``barcode,name,brand,quantity,category``
and optionally ``allergens``, separated by ``;`` or ``,``).

The format is told from the content (a ``{`` first: JSONL; a tab in the header: OFF CSV).
Rows are read one at a time, so a multi-gigabyte export never sits in memory. A row without a
usable barcode (digits, 6 to 14 of them) is yielded as ``None`` so that callers can count it.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from foodscan.catalog.entry import CatalogEntry
from foodscan.errors import InvalidInput
from foodscan.recognition.products.barcodes import gtin_key

# Open Food Facts nutriment columns (per 100 g) and the names foodscan gives them.
NUTRIENTS = {
    "energy-kcal_100g": "energy_kcal",
    "energy-kj_100g": "energy_kj",
    "energy_100g": "energy_kj",
    "fat_100g": "fat",
    "saturated-fat_100g": "saturated_fat",
    "carbohydrates_100g": "carbohydrates",
    "sugars_100g": "sugars",
    "fiber_100g": "fiber",
    "proteins_100g": "proteins",
    "salt_100g": "salt",
    "sodium_100g": "sodium",
}
_COLUMNS = {
    "barcode": ("barcode", "code", "ean", "gtin"),
    "name": ("name", "product_name", "product_name_en", "generic_name"),
    "brand": ("brand", "brands"),
    "quantity": ("quantity",),
    "categories": ("category", "categories_en", "categories"),
    "allergens": ("allergens", "allergens_en", "allergens_tags"),
}
_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)  # OFF rows hold long ingredient texts


def _open(path: Path) -> IO[str]:
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _first(row: Mapping[str, Any], field: str) -> Any:  # Any: a CSV cell or a JSON value
    for column in _COLUMNS[field]:
        value = row.get(column)
        if value not in (None, "", []):
            return value
    return None


def _text(value: Any) -> str | None:  # Any: a CSV cell or a JSON value
    if value is None:
        return None
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = " ".join(str(value).split())
    return text or None


def _allergens(value: Any) -> tuple[str, ...]:  # Any: a CSV cell or a JSON list
    items = value if isinstance(value, list) else str(value or "").replace(";", ",").split(",")
    found = []
    for item in items:
        name = str(item).strip().split(":")[-1].strip().lower()
        if name and name not in found:
            found.append(name)
    return tuple(found)


def _nutrition(values: Mapping[str, Any]) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for column, name in NUTRIENTS.items():
        value = values.get(column)
        if value in (None, "") or name in out:
            continue
        try:
            out[name] = round(float(value), 4)
        except (TypeError, ValueError):
            continue
    return out or None


def entry_of(row: Mapping[str, Any], source: str) -> CatalogEntry | None:  # Any: see _first
    """One catalogue entry from a CSV row or JSON object, or ``None`` without a barcode."""
    code = gtin_key(str(_first(row, "barcode") or ""))
    if not code.isdigit() or not 6 <= len(code) <= 14:
        return None
    brand = _text(_first(row, "brand"))
    nutriments = row.get("nutriments")
    return CatalogEntry(
        barcode=code,
        name=_text(_first(row, "name")),
        brand=brand.split(",")[0].strip() if brand else None,
        quantity=_text(_first(row, "quantity")),
        categories=_text(_first(row, "categories")),
        nutrition=_nutrition(nutriments if isinstance(nutriments, Mapping) else row),
        allergens=_allergens(_first(row, "allergens")),
        source=source,
    )


def _jsonl(stream: Iterable[str]) -> Iterator[CatalogEntry | None]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise InvalidInput(f"line {number} is not JSON: {exc}") from exc
        yield entry_of(value, "off") if isinstance(value, dict) else None


def _csv(stream: Iterable[str], header: str) -> Iterator[CatalogEntry | None]:
    delimiter = "\t" if "\t" in header else ","
    csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.DictReader(stream, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
    columns = set(reader.fieldnames or ())
    if not columns & set(_COLUMNS["barcode"]):
        raise InvalidInput("the CSV has no barcode column (barcode or code)")
    source = "off" if "code" in columns else "csv"
    for row in reader:
        yield entry_of(row, source)


def read_entries(path: Path) -> Iterator[CatalogEntry | None]:
    """Every row of the file at ``path`` as an entry (``None``: a row without a barcode).

    Raises ``InvalidInput`` for a file that is neither JSONL nor a CSV with a barcode column.
    """
    with _open(path) as stream:
        try:
            header = stream.readline()
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{path.name} is not UTF-8 text") from exc
        if header.lstrip().startswith("{"):
            yield from _jsonl(itertools.chain([header], stream))
        else:
            yield from _csv(itertools.chain([header], stream), header)
