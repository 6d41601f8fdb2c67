"""Cost against queue depth: what a submit and a health check cost with 200 and 20,000 queued.

    python bench/deep_queue.py [--quick] [--engines sqlite,postgresql] [--no-serve] [--out DIR]

1. **Submit rate** (both engines): ``JobStore.submit`` one at a time (the peer benchmark's
   store and submission, ``foodscan_queue``), no worker running, in 5 rounds alternating
   between one database per depth (median round), after the queue was filled to each depth
   (``deep_fill``: copies of one submitted job, all the same user's, so every measured submit
   joins the back of the queue). The target: the rate at the deepest queue is at
   least 0.8 of the rate at the shallowest.
2. **Serving while draining** (SQLite, embedded): a real ``foodscan serve`` with its worker
   (default slots) drains text recipes queued to each depth while this process asks
   ``GET /healthz`` and ``GET /v1/jobs?limit=1`` one after another, paced, for 20
   seconds (2 in --quick); their p50, p99 and max in milliseconds, and how many recipes
   finished meanwhile.
   Targets: ``/healthz`` p99 ≤ 25 ms and max ≤ 100 ms at the deepest queue.

Writes ``bench/results/deep_queue.json`` and ``.md`` (or under ``--out``) and prints the table.
``--quick`` (depths 20 and 400, a few seconds each) is for CI: it checks that everything runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import deep_fill
import figures
import foodscan_queue
import httpx
import scratch_db
import servers

from foodscan.db.engine import create_engine

SIZES: dict[str, dict[str, Any]] = {
    "full": {"depths": (200, 20_000), "submits": 500, "serve_s": 20.0},
    "quick": {"depths": (20, 400), "submits": 20, "serve_s": 2.0},
}
PACE_S = 0.01  # between two probes of the server
ROUNDS = 5  # alternating rounds of submits per depth
RECIPE = b"Pancakes\n\nIngredients\n200 g flour\n2 eggs\n300 ml milk\n\nMethod\nMix and fry.\n"
SUBMIT_RATIO_TARGET = 0.8
HEALTHZ_P99_MS, HEALTHZ_MAX_MS = 25.0, 100.0


async def submit_rates(
    engine_name: str, depths: tuple[int, ...], submits: int, folder: Path, pg_url: str
) -> list[dict[str, Any]]:
    """The submit rate at each depth on one engine: one database per depth, measured in
    ``ROUNDS`` alternating rounds (the machine's load drifts; a depth measured only before
    another would carry the drift), the median round's rate reported."""
    targets: dict[int, foodscan_queue._Api] = {}
    try:
        for depth in depths:
            # The collector is only used by a worker, and no worker runs here.
            (folder / f"{engine_name}-{depth}").mkdir()
            if engine_name == "sqlite":
                target: foodscan_queue._Api = foodscan_queue.EmbeddedSqlite(
                    None,  # type: ignore[arg-type]
                    folder / f"{engine_name}-{depth}",
                )
            else:
                url = f"{pg_url}_{depth}"
                target = foodscan_queue.ScaleOutPostgres(url, None, folder)  # type: ignore[arg-type]
            targets[depth] = target
            await target.reset()
            assert target.store is not None  # noqa: S101 - reset() made it
            assert target.engine is not None  # noqa: S101
            first = await target.store.submit(foodscan_queue._submission("noop", 0))
            await deep_fill.copy_queued(target.engine, first.job.id, depth - 1, first_tag=1)
        rates: dict[int, list[float]] = {depth: [] for depth in depths}
        for round_ in range(ROUNDS):
            for depth, target in targets.items():
                first_tag = depth + round_ * (submits // ROUNDS)
                filled = await target.fill(submits // ROUNDS, "noop", first_tag)
                rates[depth].append(filled["per_s"])
        rows = []
        for depth, target in targets.items():
            assert target.engine is not None  # noqa: S101
            queued = await deep_fill.queued_count(target.engine)
            per_s = statistics.median(rates[depth])
            rows.append(
                {"engine": engine_name, "depth": depth, "submits": submits, "queued_after": queued}
                | {"per_s": per_s, "ms_per_submit": round(1000 / per_s, 2), "rounds": rates[depth]}
            )
            _log(f"{engine_name}: {rows[-1]}")
    finally:
        for target in targets.values():
            await target.close()
            if isinstance(target, foodscan_queue.ScaleOutPostgres):
                await scratch_db.drop(target.url)
    return rows


async def serve_while_draining(depth: int, serve_s: float, folder: Path) -> dict[str, Any]:
    """``/healthz`` and ``/v1/jobs?limit=1`` latencies of ``foodscan serve`` (SQLite) draining
    ``depth`` queued text recipes."""
    data = folder / f"serve-{depth}"
    data.mkdir()
    env = servers.foodscan_env(data, None)
    api = servers.serve_foodscan(env, data / "api.log", worker=False)
    try:
        files = {"file": ("pancakes.txt", RECIPE, "text/plain")}
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
            answer = await client.post("/v1/jobs", data={"kind": "recipe"}, files=files)
        answer.raise_for_status()
        job_id = answer.json()["job_id"]
    finally:
        api.stop()
    engine = create_engine(f"sqlite:///{data / 'foodscan.db'}")
    try:
        await deep_fill.copy_queued(engine, job_id, depth - 1)
    finally:
        await engine.dispose()
    served = servers.serve_foodscan(env, data / "serve.log", worker=True)
    try:
        timings = await _probe(served.url, serve_s)
    finally:
        served.stop()
    engine = create_engine(f"sqlite:///{data / 'foodscan.db'}")
    try:
        left = await deep_fill.queued_count(engine)
    finally:
        await engine.dispose()
    result = {"depth": depth, "seconds": serve_s, "queued_at_end": left}
    result["finished_per_s"] = round((depth - left) / serve_s, 1)
    for path, values in timings.items():
        result[path] = _latency(values)
    _log(f"serve: {result}")
    return result


async def _probe(url: str, seconds: float) -> dict[str, list[float]]:
    """Ask both paths in turn until ``seconds`` passed; every answer must be 200."""
    paths = {"healthz": "/healthz", "jobs": "/v1/jobs?limit=1"}
    timings: dict[str, list[float]] = {name: [] for name in paths}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await client.get("/healthz")  # the connection is open before the first timing
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for name, path in paths.items():
                started = time.perf_counter()
                answer = await client.get(path)
                timings[name].append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
                await asyncio.sleep(PACE_S)
    return timings


def _latency(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": figures.rounded(figures.percentile(values, 0.5)),
        "p99_ms": figures.rounded(figures.percentile(values, 0.99)),
        "max_ms": figures.rounded(max(values) if values else None),
    }


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)  # noqa: T201


def verdicts(found: dict[str, Any]) -> dict[str, Any]:
    """Each target: the figure and whether it is met."""
    out: dict[str, Any] = {}
    for engine_name in {row["engine"] for row in found["submit"]}:
        rows = sorted(
            (r for r in found["submit"] if r["engine"] == engine_name), key=lambda r: r["depth"]
        )
        ratio = round(rows[-1]["per_s"] / rows[0]["per_s"], 2)
        out[f"submit_ratio_{engine_name}"] = {"ratio": ratio, "met": ratio >= SUBMIT_RATIO_TARGET}
    if found["serve"]:
        deepest = max(found["serve"], key=lambda r: r["depth"])["healthz"]
        met = (deepest["p99_ms"] or 0) <= HEALTHZ_P99_MS and (
            deepest["max_ms"] or 0
        ) <= HEALTHZ_MAX_MS
        out["healthz_deepest"] = {"p99_ms": deepest["p99_ms"], "max_ms": deepest["max_ms"]}
        out["healthz_deepest"]["met"] = met
    return out


def markdown(found: dict[str, Any]) -> str:
    load = found["machine"]["load_average"]
    lines = [f"# Deep queue\n\n`{found['command']}`, load average at start {load}\n"]
    submit_rows = [
        [r["engine"], r["depth"], r["submits"], r["per_s"], r["ms_per_submit"]]
        for r in found["submit"]
    ]
    header = ["engine", "queued", "submits", "submits/s", "ms/submit"]
    lines.append(figures.table(header, submit_rows))
    if found["serve"]:
        serve_rows = [
            [
                r["depth"],
                *(r["healthz"][k] for k in ("p50_ms", "p99_ms", "max_ms")),
                *(r["jobs"][k] for k in ("p50_ms", "p99_ms", "max_ms")),
                r["finished_per_s"],
            ]
            for r in found["serve"]
        ]
        header = ["queued", "/healthz p50", "p99", "max", "/v1/jobs p50", "p99", "max"]
        lines.append("\nSQLite embedded, `foodscan serve` draining text recipes (ms):\n")
        lines.append(figures.table([*header, "recipes/s"], serve_rows))
    lines.append("\nTargets: " + ", ".join(f"{k}: {v}" for k, v in found["targets"].items()))
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = SIZES["quick" if args.quick else "full"]
    found: dict[str, Any] = {"command": _command(args), "machine": figures.machine(), **sizes}
    found["submit"], found["serve"] = [], []
    pg_url = scratch_db.url_of(f"bench_deep_queue_{os.getpid()}", args.postgres)
    with tempfile.TemporaryDirectory(prefix="bench-deep-") as name:
        folder = Path(name)
        for engine_name in filter(None, args.engines.split(",")):
            found["submit"] += await submit_rates(
                engine_name, sizes["depths"], sizes["submits"], folder, pg_url
            )
        if not args.no_serve:
            for depth in sizes["depths"]:
                served = await serve_while_draining(depth, sizes["serve_s"], folder)
                found["serve"].append(served)
    found["machine"]["load_average_end"] = figures.machine()["load_average"]
    found["targets"] = verdicts(found)
    return found


def _command(args: argparse.Namespace) -> str:
    command = "python bench/deep_queue.py" + (" --quick" if args.quick else "")
    command += f" --engines '{args.engines}'" + (" --no-serve" if args.no_serve else "")
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small depths, for CI")
    parser.add_argument("--engines", default="sqlite,postgresql", help="'' skips the submits")
    parser.add_argument("--no-serve", action="store_true", help="skip the serving measurement")
    parser.add_argument("--postgres", default=servers.ADMIN_URL, help="the PostgreSQL server")
    parser.add_argument("--out", type=Path, default=None, help="default bench/results")
    parser.add_argument("--name", default="deep_queue", help="the results' file name")
    args = parser.parse_args()
    found = asyncio.run(run(args))
    text = markdown(found)
    figures.write(args.name, found, text, args.out)
    print(text)  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
