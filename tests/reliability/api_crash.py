"""API crash between commit and reply: ``foodscan serve`` is SIGKILLed while many submits with an
``Idempotency-Key`` are in flight, then every submit is retried with its key on a restarted API.

Each key must map to exactly one job, none created twice, and the retry of a key whose job was
committed (answered or not) must answer with that very job. Once a random share of the round's
jobs has committed (read in the database), the API is frozen and probed until a committed key has
no reply, and killed then: those committed-but-unanswered keys are counted, to show the case was
exercised; rounds repeat (up to ``max_rounds``) until at least one was.

    python -m tests.reliability.api_crash --engine postgresql --submits 1000
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import signal
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
DRAIN_S = 0.3  # s: with the API stopped, replies it already wrote reach the client meanwhile


def noise_jpeg(rng: random.Random) -> bytes:
    """An upload heavy enough that replies queue behind other requests' parsing."""
    pixels = rng.randbytes(NOISE_SIDE * NOISE_SIDE * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (NOISE_SIDE, NOISE_SIDE), pixels).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


class _Committed:
    """The idempotency keys of this round committed so far, read on a connection of its own."""

    def __init__(self, database_url: str, pattern: str) -> None:
        url = make_url(database_url)
        self._pattern = pattern
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None
        if url.get_backend_name() == "sqlite":
            # A plain WAL reader: the engine's BEGIN IMMEDIATE would queue behind the API's writers.
            self._sqlite = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        else:
            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._loop = asyncio.new_event_loop()
            self._pg = self._loop.run_until_complete(asyncpg.connect(dsn, timeout=5))

    def keys(self) -> set[str]:
        statement = "SELECT idempotency_key FROM jobs WHERE idempotency_key LIKE "
        if self._sqlite is not None:
            return {row[0] for row in self._sqlite.execute(statement + "?", [self._pattern])}
        assert self._loop is not None
        assert self._pg is not None
        rows = self._loop.run_until_complete(self._pg.fetch(statement + "$1", self._pattern))
        return {row[0] for row in rows}

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._loop is not None and self._pg is not None:
            self._loop.run_until_complete(self._pg.close())
            self._loop.close()


def _strike(
    api: Server,
    database_url: str,
    pattern: str,
    *,
    kill_at: int,
    answers: dict[str, int | None],
    done: threading.Event,
) -> None:
    """SIGKILL the API while at least one committed submit has had no reply (or the flood ended).

    Once ``kill_at`` jobs of the round committed, the API is frozen (SIGSTOP) again and again:
    replies it had written still reach the client while it stands still, then the committed keys
    are compared with the answers received. A committed key without an answer is a reply that
    will never be sent: the kill strikes then. Otherwise the API runs on (SIGCONT) a moment and
    the probe repeats. Freezing makes the case certain rather than a race with the reply.
    """
    assert api.process is not None
    committed = _Committed(database_url, pattern)
    rng = random.Random(kill_at)
    try:
        while not done.is_set() and len(committed.keys()) < kill_at:
            time.sleep(0.001)
        while not done.is_set():
            api.process.send_signal(signal.SIGSTOP)
            time.sleep(DRAIN_S)
            if committed.keys() - set(answers.copy()):
                break
            api.process.send_signal(signal.SIGCONT)
            time.sleep(rng.uniform(0.0, 0.05))
    finally:
        committed.close()
        api.kill()


async def _flood(
    keys: list[str], api: Server, image: bytes, answers: dict[str, int | None]
) -> None:
    """Submit every key at once: each key's status code, or None where the connection died."""
    limits = httpx.Limits(max_connections=len(keys), max_keepalive_connections=0)
    timeout = httpx.Timeout(SUBMIT_TIMEOUT_S)
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


def _crash_round(
    api: Server, database_url: str, round_: int, *, submits: int, image: bytes, kill_at: int
) -> tuple[list[str], dict[str, int | None]]:
    prefix = f"crash-{round_}-"
    keys = [f"{prefix}{i}" for i in range(submits)]
    done = threading.Event()
    answers: dict[str, int | None] = {}
    striker = threading.Thread(
        target=_strike,
        args=(api, database_url, prefix + "%"),
        kwargs={"kill_at": kill_at, "answers": answers, "done": done},
    )
    striker.start()
    try:
        asyncio.run(_flood(keys, api, image, answers))
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
