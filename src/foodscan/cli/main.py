"""The ``foodscan`` command line: serve, worker, migrate, token, catalog; scan, rescan, jobs,
inspect (client side).

Objects are built here, at the edge, and passed in; ``asyncio.run`` is called only here and in
``cli_client``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
from typing import Annotated

import typer
import uvicorn

from foodscan.cli import catalog, rescan, scan
from foodscan.client import ClientError
from foodscan.errors import FoodscanError, InvalidInput
from foodscan.settings import Settings

app = typer.Typer(
    help="foodscan: recognize food documents in the background.", no_args_is_help=True
)
logger = logging.getLogger("foodscan")


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
    """Start the API (and, unless --no-worker, a worker) in this process.

    The port is bound before anything starts: a server that cannot listen never starts its
    worker, so it never claims a job it cannot finish."""
    from foodscan.api.read_deadlines import protocol_class  # noqa: PLC0415
    from foodscan.auth import check_bind  # noqa: PLC0415
    from foodscan.serve import create_app  # noqa: PLC0415 - keeps `foodscan token` light

    _setup_logging()
    settings = Settings()
    bind = host or settings.host
    check_bind(settings, bind)
    listening = _listen(bind, port if port is not None else settings.port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    application = create_app(settings, run_worker=not no_worker, collector=settings.gc_schedule)
    _freeze_startup()
    config = uvicorn.Config(
        application,
        log_level="info",
        timeout_graceful_shutdown=15,
        http=protocol_class(settings.header_timeout_s, settings.body_timeout_s),
    )
    logger.info("listening on %s", _address(listening))
    uvicorn.Server(config).run(sockets=[listening])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; ``InvalidInput`` (exit 2) when it cannot be."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _freeze_startup() -> None:
    """Move what was imported and built so far out of the garbage collector's reach: it lives as
    long as the process, and full collections (frequent and long with thousands of open event
    streams) then stop walking it every time. A server process only: tests build many apps.
    With ``FOODSCAN_GC_SCHEDULE`` the collector schedule (``foodscan.collector``) then freezes
    what lasts."""
    gc.collect()
    gc.freeze()


@app.command()
def worker() -> None:
    """Run a worker only (scale-out mode); SIGTERM finishes or releases its jobs."""
    _setup_logging()
    from foodscan.serve import run_worker  # noqa: PLC0415 - keeps `foodscan token` light

    asyncio.run(run_worker(Settings()))


async def _migrate(settings: Settings) -> str:
    from foodscan.db.engine import create_engine  # noqa: PLC0415
    from foodscan.db.migrate import migrate as run_migrations  # noqa: PLC0415

    engine = create_engine(settings.resolved_database_url)
    try:
        return (await run_migrations(engine)).describe()
    finally:
        await engine.dispose()


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    settings = Settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    typer.echo(asyncio.run(_migrate(settings)))


@app.command()
def token(
    user: Annotated[str, typer.Option(help="user id (the token's sub)")],
    plan: Annotated[str, typer.Option(help="paid or free: the lane")] = "free",
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 30 * 24 * 3600,
) -> None:
    """Mint a bearer token signed with FOODSCAN_SECRET_KEY."""
    from foodscan.auth import mint_token  # noqa: PLC0415

    typer.echo(mint_token(Settings(), user, plan, ttl_s=ttl))


app.command(cls=scan.PlainUsage)(scan.scan)
app.command(cls=scan.PlainUsage)(rescan.rescan)
app.command()(scan.jobs)
app.command()(scan.inspect)
app.add_typer(catalog.app, name="catalog")


def main() -> None:
    """Console-script entry point: a foodscan or client error is one line on stderr, exit 2."""
    try:
        with contextlib.suppress(KeyboardInterrupt):
            app()
    except (FoodscanError, ClientError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
