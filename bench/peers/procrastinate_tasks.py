"""The procrastinate app and its two tasks, in a module of their own: procrastinate wants its
app importable by name, not defined in ``__main__``."""

from __future__ import annotations

import os

import probe
import procrastinate

DSN = os.environ.get("BENCH_URL", "postgresql://postgres@127.0.0.1:5432/bench_procrastinate")

app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=DSN))


@app.task(name="noop")
async def noop(tag: int) -> None:
    await probe.noop_body(tag)


@app.task(name="sleep")
async def sleep(tag: int) -> None:
    await probe.sleep_body(tag)
