"""The client commands of ``foodscan``: ``scan``, ``jobs``, ``inspect``, over ``AsyncClient``.

Live progress goes to stderr; stdout carries only the results (tables, or JSON lines with
``--json``), so ``foodscan scan --json r.jpg | jq`` works. ``scan`` sends each receipt or recipe
as a job of its own and a product's photos together as one job (``--each``/``--one-job`` choose).
``cli.py`` registers these commands.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import aclosing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
)
from typer.core import TyperCommand

from foodscan.cli import tables
from foodscan.client import (
    DEFAULT_SERVER,
    AsyncClient,
    ClientError,
    Event,
    JobOut,
    JobSummary,
    Readiness,
    Status,
    Submitted,
)

# How often a queued job's place in the queue is read again (no event reports it moving).
POSITION_REFRESH_S = 2.0
PIPED_WIDTH = 160

ServerOpt = Annotated[str, typer.Option("--server", help="foodscan server URL")]
TokenOpt = Annotated[
    str | None, typer.Option("--token", envvar="FOODSCAN_TOKEN", help="bearer token")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON lines on stdout instead of tables")]


class PlainUsage(TyperCommand):
    """A command whose usage line reads ``FILE...``, not Typer's ``{FILE}...`` for a required
    argument (which looks like a set of choices)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # Any: Typer's vendored click Context
        pieces = super().collect_usage_pieces(ctx)
        return [piece.replace("{", "").replace("}", "") for piece in pieces]


FilesArg = Annotated[
    list[Path],
    typer.Argument(
        help="receipt photos or PDFs, product photos, or recipe files",
        metavar="FILE",
        exists=True,
        dir_okay=False,
        readable=True,
        show_default=False,
    ),
]


class Line:
    """One file's progress bar: queue place and ETA while queued, then the step and percentage."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task(name, total=None, state="uploading")
        self.started = asyncio.Event()

    def queued(self, position: int | None, eta_seconds: float | None) -> None:
        place = f"#{position} in the queue" if position else "queued"
        state = f"{place} · {tables.eta_text(eta_seconds)}".strip(" ·")
        self.progress.update(self.task, total=None, state=state)

    def show(self, event: Event) -> None:
        match event.type:
            case "job.queued":
                self.queued(event.position, event.eta_seconds)
            case "job.started":
                self.started.set()
                self.progress.update(self.task, total=100, completed=0, state="started")
            case "job.progress":
                state = f"{event.step}: {event.message}" if event.message else event.step
                self.progress.update(self.task, total=100, completed=event.progress, state=state)
            case "job.retrying":
                code = event.error.code if event.error else "error"
                self.progress.update(self.task, total=None, state=f"retrying after {code}")
            case "job.succeeded":
                self.progress.update(self.task, total=100, completed=100, state="[green]done")
            case "job.failed":
                code = event.error.code if event.error else "error"
                self.progress.update(self.task, total=100, state=f"[red]failed: {code}")
            case "job.cancelled":
                self.progress.update(self.task, total=100, state="[yellow]cancelled")

    def duplicate(self, job_id: str) -> None:
        """Say that the answer is an earlier job's, not a new scan."""
        name = self.progress.tasks[self.task].description
        text = (
            f"{name}: already scanned (job {job_id}); showing that earlier result. "
            "Use --rescan to scan it again."
        )
        self.progress.console.print(text, style="yellow", markup=False, highlight=False)

    def refused(self, error: ClientError) -> None:
        self.progress.update(self.task, total=100, state=f"[red]refused: {error.code}")
        name = self.progress.tasks[self.task].description
        text = str(error) if str(error).startswith(name) else f"{name}: {error}"
        self.progress.console.print(text, style="red", markup=False, highlight=False)


def results_console() -> Console:
    """The console for results; piped into a file, rows are not cut to 80 columns."""
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, PIPED_WIDTH)
    return console


async def _refresh_position(client: AsyncClient, job_id: str, line: Line) -> None:
    """While the job waits, show its place in the queue as it moves up."""
    while not line.started.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(line.started.wait(), POSITION_REFRESH_S)
            return
        with contextlib.suppress(ClientError):  # best effort: the event stream decides
            job = await client.get(job_id)
            if job.status != Status.QUEUED:
                return
            line.queued(job.position, job.eta_seconds)


async def follow(client: AsyncClient, submitted: Submitted, line: Line) -> JobOut:
    line.queued(submitted.position, submitted.eta_seconds)
    refresher = asyncio.create_task(_refresh_position(client, submitted.job_id, line))
    try:
        async with aclosing(client.events(submitted.job_id)) as events:
            async for event in events:
                line.show(event)
    finally:
        refresher.cancel()
    return await client.get(submitted.job_id)


def batches(files: list[Path], kind: str, each: bool | None) -> list[list[Path]]:
    """The files of each job: one job per file, or all in one; by default a products job holds
    every photo (front and back of a product) and other kinds take one file per job."""
    if each is None:
        each = kind != "products"
    return [[path] for path in files] if each else [files]


def label(batch: list[Path]) -> str:
    """A job's name in progress bars and results: its file, or its files."""
    names = [path.name for path in batch]
    return " + ".join(names) if len(names) <= 3 else f"{names[0]} + {len(names) - 1} more"


async def _scan_one(
    client: AsyncClient,
    progress: Progress,
    batch: list[Path],
    kind: str,
    *,
    lang: str | None,
    rescan: bool,
) -> JobOut | None:
    line = Line(progress, label(batch))
    try:
        submitted = await client.submit(batch, kind, lang=lang, rescan=rescan)
    except ClientError as exc:
        if exc.status is None:  # no server: one error for the whole command
            raise
        line.refused(exc)
        return None
    if submitted.duplicate:
        line.duplicate(submitted.job_id)
    return await follow(client, submitted, line)


async def _scan(
    jobs: list[list[Path]],
    kind: str,
    *,
    lang: str | None,
    rescan: bool,
    server: str,
    token: str | None,
) -> list[JobOut | None]:
    stderr = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[state]}"),
    )
    async with AsyncClient(server, token=token) as client:
        with Progress(*columns, console=stderr, disable=not stderr.is_terminal) as progress:
            return list(
                await asyncio.gather(
                    *(
                        _scan_one(client, progress, batch, kind, lang=lang, rescan=rescan)
                        for batch in jobs
                    )
                )
            )


def scan(
    files: FilesArg,
    *,
    kind: Annotated[
        str, typer.Option(help="what the files are: receipt, products or recipe")
    ] = "receipt",
    each: Annotated[
        bool | None,
        typer.Option(
            "--each/--one-job",
            help="one job per file, or all the files as one job "
            "(default: one job for products, one per file otherwise)",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="language hint, e.g. en, pl, ru")] = None,
    rescan: Annotated[
        bool,
        typer.Option(
            "--rescan",
            help="scan again files already scanned (by default the earlier job answers)",
        ),
    ] = False,
    server: ServerOpt = DEFAULT_SERVER,
    auth: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Submit the files, follow each job live and print its result; exit 1 if one fails.

    Receipts and recipes: one job per file.
    Product photos: all in one job (front and back of a product), whose result lists each product.
    """
    grouped = batches(files, kind, each)
    jobs = asyncio.run(_scan(grouped, kind, lang=lang, rescan=rescan, server=server, token=auth))
    stdout = results_console()
    for batch, job in zip(grouped, jobs, strict=True):
        if job is None:
            continue
        if as_json:
            typer.echo(job.model_dump_json())
        else:
            stdout.print(tables.job_result(label(batch), job))
    if any(job is None or job.status != Status.SUCCEEDED for job in jobs):
        raise typer.Exit(1)


async def _list(
    server: str,
    token: str | None,
    *,
    status: Status | None,
    kind: str | None,
    limit: int,
    full: bool,
) -> list[JobSummary]:
    async with AsyncClient(server, token=token) as client:
        found = client.list(status=status, kind=kind, limit=limit, full=full)
        return [job async for job in found]


def jobs(
    *,
    server: ServerOpt = DEFAULT_SERVER,
    auth: TokenOpt = None,
    status: Annotated[Status | None, typer.Option(help="only jobs in this status")] = None,
    kind: Annotated[str | None, typer.Option(help="only jobs of this kind")] = None,
    limit: Annotated[int, typer.Option(help="how many", min=1)] = 20,
    full: Annotated[
        bool, typer.Option("--full", help="with --json: each job with its whole result")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List your jobs, newest first: a table, or JSON lines with --json (summaries; --full for
    the results)."""
    found = asyncio.run(_list(server, auth, status=status, kind=kind, limit=limit, full=full))
    if as_json:
        for job in found:
            typer.echo(job.model_dump_json())
        return
    if not found:
        typer.echo("no jobs")
        return
    console = results_console()
    console.print(tables.jobs_table(found, console.width))


async def _ready(server: str, token: str | None) -> Readiness:
    async with AsyncClient(server, token=token) as client:
        return await client.ready()


def inspect(
    server: ServerOpt = DEFAULT_SERVER, auth: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Readiness, live workers and queue depth per lane; exit 1 when the server is not ready."""
    ready = asyncio.run(_ready(server, auth))
    if as_json:
        typer.echo(ready.model_dump_json())
    else:
        results_console().print(tables.readiness_table(server, ready))
    if ready.status != "ok":
        raise typer.Exit(1)
