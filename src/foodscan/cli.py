"""The ``foodscan`` command line: serve, worker, migrate, token, jobs.

Objects are built here, at the edge, and passed in; ``asyncio.run`` is called only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from typing import Annotated

import httpx
import typer
import uvicorn

from foodscan.errors import FoodscanError
from foodscan.settings import Settings

app = typer.Typer(
    help="foodscan: recognize food documents in the background.", no_args_is_help=True
)
logger = logging.getLogger("foodscan")

DEFAULT_SERVER = "http://127.0.0.1:8000"
ServerOpt = Annotated[str, typer.Option("--server", help="foodscan server URL")]
TokenOpt = Annotated[
    str | None, typer.Option("--token", envvar="FOODSCAN_TOKEN", help="bearer token")
]


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port to bind")] = None,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="API only")] = False,
) -> None:
    """Start the API (and, unless --no-worker, a worker) in this process."""
    from foodscan.api.app import create_app  # noqa: PLC0415 - keeps `foodscan token` light
    from foodscan.auth import check_bind  # noqa: PLC0415

    _setup_logging()
    settings = Settings()
    bind = host or settings.host
    check_bind(settings, bind)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    application = create_app(settings, run_worker=not no_worker)
    uvicorn.run(
        application,
        host=bind,
        port=port if port is not None else settings.port,
        log_level="info",
        timeout_graceful_shutdown=15,
    )


async def _run_worker(settings: Settings) -> None:
    from foodscan.blobs import LocalBlobStore  # noqa: PLC0415
    from foodscan.db.engine import create_engine  # noqa: PLC0415
    from foodscan.events.pg_listen import bus_for  # noqa: PLC0415
    from foodscan.worker.runtime import Worker  # noqa: PLC0415

    engine = create_engine(settings.resolved_database_url)
    bus = bus_for(engine)
    await bus.start()
    worker = Worker(
        engine=engine, bus=bus, settings=settings, blobs=LocalBlobStore(settings.resolved_blob_dir)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await bus.stop()
        await engine.dispose()


@app.command()
def worker() -> None:
    """Run a worker only (scale-out mode); SIGTERM finishes or releases its jobs."""
    _setup_logging()
    asyncio.run(_run_worker(Settings()))


async def _migrate(settings: Settings) -> None:
    from foodscan.db.engine import create_engine  # noqa: PLC0415
    from foodscan.db.migrate import migrate as run_migrations  # noqa: PLC0415

    engine = create_engine(settings.resolved_database_url)
    try:
        await run_migrations(engine)
    finally:
        await engine.dispose()


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    settings = Settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_migrate(settings))
    typer.echo("database is up to date")


@app.command()
def token(
    user: Annotated[str, typer.Option(help="user id (the token's sub)")],
    plan: Annotated[str, typer.Option(help="paid or free: the lane")] = "free",
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 30 * 24 * 3600,
) -> None:
    """Mint a bearer token signed with FOODSCAN_SECRET_KEY."""
    from foodscan.auth import mint_token  # noqa: PLC0415

    typer.echo(mint_token(Settings(), user, plan, ttl_s=ttl))


@app.command()
def jobs(
    server: ServerOpt = DEFAULT_SERVER,
    auth: TokenOpt = None,
    status: Annotated[str | None, typer.Option(help="only jobs in this status")] = None,
    kind: Annotated[str | None, typer.Option(help="only jobs of this kind")] = None,
    limit: Annotated[int, typer.Option(help="how many")] = 20,
) -> None:
    """List your jobs, newest first (JSON lines)."""
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    params: dict[str, str | int] = {"limit": limit}
    if status:
        params["status"] = status
    if kind:
        params["kind"] = kind
    response = httpx.get(f"{server}/v1/jobs", params=params, headers=headers, timeout=30)
    if response.status_code >= 400:
        typer.echo(response.text, err=True)
        raise typer.Exit(1)
    for item in response.json()["items"]:
        typer.echo(json.dumps(item, ensure_ascii=False))


def main() -> None:
    """Console-script entry point: a foodscan error is one line on stderr, exit status 2."""
    try:
        with contextlib.suppress(KeyboardInterrupt):
            app()
    except FoodscanError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
