"""``foodscan rescan JOB_ID…``: finished jobs scanned again from the uploads the server kept.

Each becomes a new job of the same kind and options (``POST /v1/jobs/{id}/rescan``), followed
live like ``scan``'s and printed the same way; no file is sent, so a job sent from another
machine, the web page or the API can be scanned again. ``scan --rescan FILE`` sends the files
once more instead.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from foodscan.cli import tables
from foodscan.cli.scan import JsonOpt, Line, ServerOpt, TokenOpt, follow, results_console
from foodscan.client import DEFAULT_SERVER, AsyncClient, ClientError, JobOut, Status

JobIdsArg = Annotated[
    list[str],
    typer.Argument(help="ids of finished jobs (foodscan jobs lists them)", metavar="JOB_ID"),
]


async def _rescan_one(client: AsyncClient, progress: Progress, job_id: str) -> JobOut | None:
    line = Line(progress, f"job {job_id}")
    try:
        rescanned = await client.rescan(job_id)
    except ClientError as exc:
        if exc.status is None:  # no server: one error for the whole command
            raise
        line.refused(exc)
        return None
    return await follow(client, rescanned, line)


async def _rescan(job_ids: list[str], server: str, token: str | None) -> list[JobOut | None]:
    stderr = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[state]}"),
    )
    async with AsyncClient(server, token=token) as client:
        with Progress(*columns, console=stderr, disable=not stderr.is_terminal) as progress:
            return list(
                await asyncio.gather(*(_rescan_one(client, progress, job_id) for job_id in job_ids))
            )


def rescan(
    job_ids: JobIdsArg,
    *,
    server: ServerOpt = DEFAULT_SERVER,
    auth: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Scan finished jobs again as new jobs of the uploads the server kept, follow each live and
    print its result; exit 1 if one fails or is refused (a running job, uploads past retention)."""
    jobs = asyncio.run(_rescan(job_ids, server, auth))
    stdout = results_console()
    for job in jobs:
        if job is None:
            continue
        if as_json:
            typer.echo(job.model_dump_json())
        else:
            names = " + ".join(f.name for f in job.inputs) or f"job {job.id}"
            stdout.print(tables.job_result(names, job))
    if any(job is None or job.status != Status.SUCCEEDED for job in jobs):
        raise typer.Exit(1)
