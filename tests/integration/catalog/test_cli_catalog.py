"""``foodscan catalog import`` against a real database on both engines."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from foodscan.catalog.store import SqlCatalog
from foodscan.cli.main import app
from foodscan.db.engine import create_engine


async def _find(url: str, code: str):
    engine = create_engine(url)
    try:
        return await SqlCatalog(engine).find([code])
    finally:
        await engine.dispose()


def test_catalog_import_loads_a_csv(database_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FOODSCAN_DATABASE_URL", database_url)
    path = tmp_path / "mine.csv"
    path.write_text(
        "barcode,name,brand,quantity,category\n"
        "5901234123457,Mleko 3.2%,Mlekovita,1 l,milk\n"
        ",x,,,\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(app, ["catalog", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "imported 1 products, skipped 1" in result.output
    found = asyncio.run(_find(database_url, "5901234123457"))
    assert found["5901234123457"].brand == "Mlekovita"


def test_catalog_import_of_a_missing_file_fails(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FOODSCAN_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["catalog", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    # rich wraps the message in a box as wide as the terminal: read it without the box.
    words = " ".join(result.output.replace("│", " ").split())
    assert "does not exist" in words


@pytest.mark.parametrize("content", ["name,brand\nMilk,Arla\n"])
def test_catalog_import_of_a_file_without_barcodes_fails(tmp_path, monkeypatch, content) -> None:
    monkeypatch.setenv("FOODSCAN_DATA_DIR", str(tmp_path))
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert "no barcode column" in str(result.exception)
