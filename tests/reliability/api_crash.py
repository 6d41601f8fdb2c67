"""API crash between commit and reply: ``foodscan serve`` is SIGKILLed while many submits with an
``Idempotency-Key`` are in flight, then every submit is retried with its key on a restarted API.

Each key must map to exactly one job, none created twice, and the retry of a key whose job was
committed (answered or not) must answer with that very job. The kill strikes once a random share
of the round's jobs has committed (read in the database), so some requests are always between
their commit and their reply: those committed-but-unanswered keys are counted, to show the case
was exercised; rounds repeat (up to ``max_rounds``) until at least one was.

    python -m tests.reliability.api_crash --engine postgresql --submits 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import make_url

from foodscan.db.tables import jobs
from tests.e2e.server import Server
from tests.reliability.harness import deployment, query, scratch_database
from tests.reliability.results import save

SUBMIT_TIMEOUT_S = 120.0
IN_FLIGHT_SHARE = 4  # a quarter of a round's submits in flight at once
NOISE_SIDE = 800  # px: a ~0.75 MB JPEG keeps the API's event loop busy between commit and reply


def noise_jpeg(rng: random.Random) -> bytes:
    """An upload heavy enough that replies queue behind other requests' parsing."""
    pixels = rng.randbytes(NOISE_SIDE * NOISE_SIDE * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (NOISE_SIDE, NOISE_SIDE), pixels).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _strike(
    api: Server, database_url: str, prefix: str, kill_at: int, done: threading.Event
) -> None:
    """SIGKILL the API the moment ``kill_at`` jobs of this round committed (or the flood ended).

    A tight loop on its own connection, in its own thread: the sooner the kill follows a
    commit, the likelier that commit's reply is still unsent.
    """
    url = make_url(database_url)
    statement = "SELECT count(*) FROM jobs WHERE idempotency_key LIKE "
    if url.get_backend_name() == "sqlite":
        # A plain WAL reader: the engine's BEGIN IMMEDIATE would queue behind the API's writers.
        with contextlib.closing(sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)) as db:
            # As fast as the database answers: the kill must land right after a commit.
            committed = 0
            while not done.is_set() and committed < kill_at:
                committed = db.execute(statement + "?", [prefix]).fetchone()[0]
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

        async def watch() -> None:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                committed = 0
                while not done.is_set() and committed < kill_at:
                    committed = await conn.fetchval(statement + "$1", prefix)
            finally:
                await conn.close()

        asyncio.run(watch())
    api.kill()


async def _flood(keys: list[str], api: Server, image: bytes) -> dict[str, int | None]:
    """Submit every key at once: each key's status code, or None where the connection died."""
    limits = httpx.Limits(max_connections=len(keys), max_keepalive_connections=0)
    timeout = httpx.Timeout(SUBMIT_TIMEOUT_S)
    answers: dict[str, int | None] = {}
    # A steady stream rather than one burst: uploads still arrive (and are parsed on the API's
    # event loop) while earlier submits commit, so replies wait their turn behind them.
    in_flight = asyncio.Semaphore(max(1, len(keys) // IN_FLIGHT_SHARE))

    async def one(client: httpx.AsyncClient, key: str) -> None:
        files = {"file": ("receipt.jpg", image, "image/jpeg")}
        async with in_flight:
            try:
                response = await client.post(
                    "/v1/jobs",
                    data={"kind": "receipt"},
                    files=files,
                    headers={"Idempotency-Key": key},
                )
                answers[key] = response.status_code
            except httpx.TransportError:
                answers[key] = None

    async with httpx.AsyncClient(base_url=api.url, limits=limits, timeout=timeout) as client:
        await asyncio.gather(*(one(client, key) for key in keys))
    return answers


def _crash_round(
    api: Server, database_url: str, round_: int, *, submits: int, image: bytes, kill_at: int
) -> tuple[list[str], dict[str, int | None]]:
    prefix = f"crash-{round_}-"
    keys = [f"{prefix}{i}" for i in range(submits)]
    done = threading.Event()
    striker = threading.Thread(
        target=_strike, args=(api, database_url, prefix + "%", kill_at, done)
    )
    striker.start()
    try:
        answers = asyncio.run(_flood(keys, api, image))
    finally:
        done.set()
        striker.join(30)
    return keys, answers


def _committed(database_url: str, keys: list[str]) -> dict[str, list[str]]:
    rows = query(
        database_url,
        sa.select(jobs.c.idempotency_key, jobs.c.id).where(jobs.c.idempotency_key.in_(keys)),
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.idempotency_key, []).append(row.id)
    return found


def run(
    database_url: str, root: Path, *, submits: int, max_rounds: int = 5, seed: int | None = None
) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.monotonic()
    image = noise_jpeg(rng)
    totals = {"requests": 0, "rounds": 0, "unanswered": 0, "committed_unanswered": 0}
    findings: list[str] = []
    doubled = lost = 0
    with deployment(database_url, root) as deployed:
        api = deployed.server("serve", "--no-worker", ready_path="/healthz")
        api.start()
        while totals["rounds"] < max_rounds and not totals["committed_unanswered"]:
            round_ = totals["rounds"]
            kill_at = rng.randint(submits // 5, submits // 2)
            keys, answers = _crash_round(
                api, database_url, round_, submits=submits, image=image, kill_at=kill_at
            )
            before = _committed(database_url, keys)
            unanswered = {k for k, code in answers.items() if code is None}
            totals["rounds"] += 1
            totals["requests"] += 2 * len(keys)
            totals["unanswered"] += len(unanswered)
            totals["committed_unanswered"] += len(unanswered & set(before))
            findings += [f"{k}: answered {c}" for k, c in answers.items() if c not in {202, None}]

            api.start()
            with httpx.Client(base_url=api.url, timeout=SUBMIT_TIMEOUT_S) as client:
                for key in keys:
                    files = {"file": ("receipt.jpg", image, "image/jpeg")}
                    retry = client.post(
                        "/v1/jobs",
                        data={"kind": "receipt"},
                        files=files,
                        headers={"Idempotency-Key": key},
                    )
                    want = 200 if key in before else 202
                    if retry.status_code != want:
                        findings.append(f"{key}: retry answered {retry.status_code}, not {want}")
                    elif key in before and retry.json()["job_id"] != before[key][0]:
                        findings.append(f"{key}: the retry answered another job")
            after = _committed(database_url, keys)
            doubled += sum(1 for ids in after.values() if len(ids) > 1)
            lost += sum(1 for key in keys if key not in after)
        api.stop()
    total = query(database_url, sa.select(sa.func.count()).select_from(jobs))[0][0]
    if total != totals["rounds"] * submits - lost + doubled:
        findings.append(f"{total} jobs in the database for {totals['rounds'] * submits} keys")
    seconds = time.monotonic() - started
    return totals | {
        "doubled": doubled,
        "lost": lost,
        "jobs": total,
        "findings": findings,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--submits", type=int, default=1000, help="concurrent submits a round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds at most")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with scratch_database(args.engine) as (url, root):
        figures = run(url, root, submits=args.submits, max_rounds=args.rounds, seed=args.seed)
    figures = {"engine": args.engine, **figures}
    print(json.dumps(figures, indent=2))  # noqa: T201
    print(save("api_crash", figures, engine=args.engine))  # noqa: T201
    raise SystemExit(1 if figures["findings"] or not figures["committed_unanswered"] else 0)


if __name__ == "__main__":
    main()
