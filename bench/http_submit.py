"""HTTP submit throughput: ``POST /v1/jobs`` with a 1 MB JPEG at concurrency 1, 16 and 64,
against ``foodscan serve --no-worker`` (SQLite and PostgreSQL) and a bare FastAPI endpoint that
only writes the file to disk (``bench/bare_submit.py``, the practical ceiling).

Each target runs in its own process on loopback; the client (httpx ``AsyncClient``, one
connection per concurrent request, multipart bodies built once so the client spends its time
sending) runs in this process and shares the machine's cores with the server: its CPU time is
reported next to the server's. Every request carries different bytes (a counter in a JPEG
comment segment, which foodscan strips before storing), so no submit is a duplicate. Plan
limits are off (``servers.NO_LIMITS``): the figures are the service's, not a user's quota.

    python bench/http_submit.py [--duration 10] [--concurrency 1,16,64]
                                [--targets bare,sqlite,postgresql] [--tiny] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import figures
import httpx
import numpy as np
import servers
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
BOUNDARY = "foodscanbenchboundary7d1f"
COUNTER_BYTES = 16
REQUEST_TIMEOUT_S = 60.0
TARGET_RATIO = 0.7


def photo_jpeg(width: int = 1800, height: int = 2400) -> bytes:
    """A receipt-like photo (text on grey paper with sensor noise), about 1 MB as JPEG q85,
    with an empty comment segment right after SOI for the per-request counter."""
    rng = np.random.default_rng(7)
    image = Image.new("RGB", (width, height), (235, 235, 235))
    draw = ImageDraw.Draw(image)
    size = max(12, width // 37)
    font = ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)
    for row in range(height // (size + 10) - 2):
        draw.text(
            (size, size + row * (size + 10)),
            f"ITEM {row:02d} RYE BREAD  {row * 1.37:6.2f}",
            fill=(30, 30, 30),
            font=font,
        )
    noisy = np.asarray(image).astype(np.int16) + rng.normal(0, 6, (height, width, 1)).astype(
        np.int16
    )
    buffer = io.BytesIO()
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
    data = buffer.getvalue()
    comment = b"\xff\xfe" + struct.pack(">H", 2 + COUNTER_BYTES) + b"\0" * COUNTER_BYTES
    return data[:2] + comment + data[2:]


@dataclass
class Body:
    """A multipart body built once; ``next()`` patches a new counter into the JPEG's comment."""

    template: bytearray
    offset: int
    count: int = 0

    @classmethod
    def of(cls, jpeg: bytes) -> Body:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nreceipt\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="r.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        return cls(bytearray(head + jpeg + tail), len(head) + 6)

    def next(self) -> bytes:
        self.count += 1
        stamp = f"{self.count:0{COUNTER_BYTES}d}".encode()
        self.template[self.offset : self.offset + COUNTER_BYTES] = stamp
        return bytes(self.template)


@dataclass
class Level:
    """What one concurrency level measured against one target."""

    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:  # Any: JSON
        done = len(self.latencies_ms)
        return {
            "concurrency": self.concurrency,
            "requests": done,
            "errors": self.errors,
            "req_per_s": round(done / self.elapsed_s, 2) if self.elapsed_s else None,
            "p50_ms": figures.rounded(figures.percentile(self.latencies_ms, 0.50), 1),
            "p99_ms": figures.rounded(figures.percentile(self.latencies_ms, 0.99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if done else None,
            "server_cpu_ms_per_req": round(1000 * self.server_cpu_s / done, 2) if done else None,
            "client_cpu_ms_per_req": round(1000 * self.client_cpu_s / done, 2) if done else None,
        }


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _drive(
    client: httpx.AsyncClient, body: Body, level: Level, until: float, record: bool
) -> None:
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    while time.monotonic() < until:
        content = body.next()
        started = time.perf_counter()
        try:
            response = await client.post("/v1/jobs", content=content, headers=headers)
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        took = (time.perf_counter() - started) * 1000
        if not record:
            continue
        if outcome == "202":
            level.latencies_ms.append(took)
        else:
            level.errors[outcome] = level.errors.get(outcome, 0) + 1


async def measure(
    url: str,
    served: servers.Served,
    body: Body,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> Level:
    """``concurrency`` loops posting for ``warmup`` s (not counted), then ``duration`` s."""
    level = Level(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        until = time.monotonic() + warmup
        await asyncio.gather(
            *(_drive(client, body, level, until, False) for _ in range(concurrency))
        )
        cpu0, client0, started = served.cpu_s(), _client_cpu(), time.monotonic()
        until = started + duration
        await asyncio.gather(
            *(_drive(client, body, level, until, True) for _ in range(concurrency))
        )
        level.elapsed_s = time.monotonic() - started
        level.server_cpu_s = served.cpu_s() - cpu0
        level.client_cpu_s = _client_cpu() - client0
    return level


def _start_target(
    target: str, folder: Path, database_url: str | None, extra: dict[str, str]
) -> servers.Served:
    if target == "bare":
        port = servers.free_port()
        command = [
            sys.executable,
            str(Path(__file__).with_name("bare_submit.py")),
            "--port",
            str(port),
            "--dir",
            str(folder / "bare"),
        ]
        return servers.start(command, {}, port, folder / "bare.log")
    env = servers.foodscan_env(folder / target, database_url, **extra)
    return servers.serve_foodscan(env, folder / f"{target}.log", worker=False)


def _profile(
    args: argparse.Namespace, served: servers.Served, label: str
) -> subprocess.Popen[bytes] | None:
    """With ``--profile``: py-spy samples the server through the measured part of a level
    (collapsed stacks, for a flame graph or a quick top list)."""
    if not args.profile:
        return None
    folder = args.out or figures.RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603 - py-spy from this environment
        [
            str(servers.BIN / "py-spy"),
            "record",
            "--pid",
            str(served.pid),
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "--duration",
            str(int(args.warmup + args.duration)),
            "--output",
            str(folder / f"{args.name}-{label}.collapsed"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def run_target(
    target: str, args: argparse.Namespace, body: Body, folder: Path
) -> list[dict[str, Any]]:
    async def against(database_url: str | None) -> list[dict[str, Any]]:
        extra = dict(item.split("=", 1) for item in args.server_env)
        served = _start_target(target, folder, database_url, extra)
        results: list[dict[str, Any]] = []
        try:
            for concurrency in args.concurrency:
                spy = _profile(args, served, f"{target}-c{concurrency}")
                level = await measure(
                    served.url,
                    served,
                    body,
                    concurrency=concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                )
                if spy is not None:
                    spy.wait(timeout=args.duration + args.warmup + 30)
                summary = level.summary()
                print(target, summary, flush=True)  # noqa: T201 - a benchmark prints its figures
                results.append(summary)
            return results
        finally:
            served.stop()
            if any(r["errors"] for r in results):
                # Keep what the server said about its failures next to the figures.
                tail = "\n".join(served.log().splitlines()[-300:])
                (args.out or figures.RESULTS).mkdir(parents=True, exist_ok=True)
                (args.out or figures.RESULTS).joinpath(f"{args.name}-{target}.log").write_text(tail)

    if target == "postgresql":
        async with servers.scratch_database() as url:
            return await against(url)
    return await against(None)


def report(
    started: dict[str, Any],
    by_target: dict[str, list[dict[str, Any]]],
    args: argparse.Namespace,
    jpeg: bytes,
) -> tuple[dict[str, Any], str]:
    at16 = {
        t: next((r["req_per_s"] for r in rows if r["concurrency"] == 16), None)
        for t, rows in by_target.items()
    }
    ratios = {
        t: round(rps / at16["bare"], 3) if rps and at16.get("bare") else None
        for t, rps in at16.items()
        if t != "bare"
    }
    data = {
        "benchmark": "http_submit",
        "machine": started,
        "upload_bytes": len(jpeg),
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "targets": by_target,
        "ratio_at_16": ratios,
        "target_ratio": TARGET_RATIO,
    }
    rows = [
        [
            t,
            r["concurrency"],
            r["requests"],
            r["req_per_s"],
            r["p50_ms"],
            r["p99_ms"],
            r["server_cpu_ms_per_req"],
            r["client_cpu_ms_per_req"],
            sum(r["errors"].values()),
        ]
        for t, results in by_target.items()
        for r in results
    ]
    lines = [
        "# HTTP submit (`bench/http_submit.py`)",
        "",
        f"`POST /v1/jobs`, a {len(jpeg) / 1e6:.2f} MB JPEG, {args.duration:g} s per level after "
        f"{args.warmup:g} s warm-up; client and server share {data['machine']['cpus']} cores "
        f"(load average before: {data['machine']['load_average']}).",
        "",
        figures.table(
            [
                "target",
                "concurrency",
                "requests",
                "req/s",
                "p50 ms",
                "p99 ms",
                "server CPU ms/req",
                "client CPU ms/req",
                "errors",
            ],
            rows,
        ),
        "",
        "Ratio to the bare endpoint at concurrency 16 (target ≥ 0.7): "
        + ", ".join(f"{t} {r}" for t, r in ratios.items()),
    ]
    return data, "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    started = figures.machine()  # the load average as the run starts
    jpeg = photo_jpeg(600, 800) if args.tiny else photo_jpeg()
    body = Body.of(jpeg)
    by_target: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="foodscan-bench-") as tmp:
        for target in args.targets:
            by_target[target] = await run_target(target, args, body, Path(tmp))
    data, markdown = report(started, by_target, args, jpeg)
    path = figures.write(args.name, data, markdown, args.out)
    print(markdown)  # noqa: T201
    print(f"written: {path}")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each level")
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16, 64]
    )
    parser.add_argument(
        "--targets", type=lambda s: s.split(","), default=["bare", "sqlite", "postgresql"]
    )
    parser.add_argument("--profile", action="store_true", help="py-spy each level (dev tool)")
    parser.add_argument("--spy-flags", type=lambda s: s.split(), default=[], help="e.g. '--gil'")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="FOODSCAN_X=VALUE",
        help="a setting for foodscan's server (repeatable)",
    )
    parser.add_argument("--tiny", action="store_true", help="a small photo, for a smoke test")
    parser.add_argument("--name", default="http_submit", help="results file name")
    parser.add_argument("--out", type=Path, default=None, help="results folder (bench/results)")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
