"""``foodscan catalog``: the local product catalogue (``import FILE``, ``count``).

Runs against the configured database (``FOODSCAN_DATABASE_URL``, or the embedded SQLite file),
migrating it first, as embedded start-up does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from foodscan.settings import Settings

app = typer.Typer(help="The local product catalogue (barcode → name, brand, nutrition).")


async def _import(settings: Settings, path: Path) -> tuple[int, int, int, int]:
    from foodscan.catalog.sources import read_entries  # noqa: PLC0415 - keeps the CLI light
    from foodscan.catalog.store import SqlCatalog  # noqa: PLC0415
    from foodscan.db.engine import create_engine  # noqa: PLC0415
    from foodscan.db.migrate import migrate  # noqa: PLC0415

    engine = create_engine(settings.resolved_database_url)
    try:
        await migrate(engine)
        catalog = SqlCatalog(engine)
        report = await catalog.import_entries(read_entries(path))
        return report.read, report.imported, report.skipped, await catalog.count()
    finally:
        await engine.dispose()


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Open Food Facts CSV (tab-separated) or JSONL export, plain or .gz, "
            "or a CSV: barcode,name,brand,quantity,category[,allergens]",
        ),
    ],
) -> None:
    """Load products into the catalogue; a barcode already there is replaced."""
    settings = Settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    read, imported, skipped, total = asyncio.run(_import(settings, file))
    typer.echo(
        f"read {read} rows: imported {imported} products, skipped {skipped} without a barcode; "
        f"the catalogue holds {total}"
    )
