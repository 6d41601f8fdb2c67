"""Submit latency and end-to-end receipt time through a real ``foodscan serve`` process.

Starts the server on a free port with a fresh data dir (SQLite by default, or the PostgreSQL URL
given with ``--database-url``), submits receipts over HTTP, and prints and writes to
``results/bench_submit.json``: submit latency percentiles (POST → 202) and, for a smaller batch,
the time from submit to ``job.succeeded`` seen on the SSE stream.

    python scripts/bench_submit.py [--submits 200] [--receipts 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
NO_DEDUPE = json.dumps({"dedupe": False})  # the same picture every time, run every time
LINES = [
    "CORNER SHOP",
    "2026-05-02 18:20",
    "",
    "APPLES      2.10",
    "BREAD       1.45",
    "TOTAL       3.55",
]


def receipt_jpeg() -> bytes:
    font = ImageFont.truetype(str(FONT), 28) if FONT.exists() else ImageFont.load_default(size=28)
    image = Image.new("RGB", (640, 60 * (len(LINES) + 2)), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(LINES, start=1):
        draw.text((28, index * 48), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    data_dir: Path, port: int, database_url: str | None, *, worker: bool
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    env["FOODSCAN_DATA_DIR"] = str(data_dir)
    if database_url:
        env["FOODSCAN_DATABASE_URL"] = database_url
    exe = Path(sys.executable).parent / "foodscan"
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(exe), "serve", "--port", str(port), *([] if worker else ["--no-worker"])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = "readyz" if worker else "healthz"
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/{probe}", timeout=1).status_code == 200:
                return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wait_succeeded(client: httpx.Client, job_id: str) -> None:
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=300) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and '"job.succeeded"' in line:
                return
            if line.startswith("data:") and ('"job.failed"' in line or '"job.cancelled"' in line):
                raise SystemExit(f"job {job_id} did not succeed: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--receipts", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--no-worker", action="store_true", help="API only: submit latency without OCR load"
    )
    args = parser.parse_args()

    image = receipt_jpeg()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(
            Path(tmp) / "data", port, args.database_url, worker=not args.no_worker
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                end_to_end = []
                for _ in range(0 if args.no_worker else args.receipts):
                    started = time.perf_counter()
                    job = client.post(
                        "/v1/jobs",
                        data={"kind": "receipt", "options": NO_DEDUPE},
                        files={"file": ("r.jpg", image)},
                    ).json()
                    wait_succeeded(client, job["job_id"])
                    end_to_end.append(time.perf_counter() - started)
                latencies = []
                for _ in range(args.submits):
                    started = time.perf_counter()
                    response = client.post(
                        "/v1/jobs",
                        data={"kind": "receipt", "options": NO_DEDUPE},
                        files={"file": ("r.jpg", image)},
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 202:
                        raise SystemExit(f"submit failed: {response.status_code} {response.text}")
        finally:
            server.terminate()
            server.wait(timeout=60)

    figures = {
        "database": "postgresql" if args.database_url else "sqlite",
        "upload_bytes": len(image),
        "submits": args.submits,
        "submit_ms_p50": round(statistics.median(latencies), 2),
        "submit_ms_p95": round(percentile(latencies, 0.95), 2),
        "submit_ms_p99": round(percentile(latencies, 0.99), 2),
        "worker": not args.no_worker,
        "receipts": len(end_to_end),
        "receipt_end_to_end_s_median": round(statistics.median(end_to_end), 3)
        if end_to_end
        else None,
        "receipt_end_to_end_s_first": round(end_to_end[0], 3) if end_to_end else None,
        "cpus": os.cpu_count(),
    }
    out = Path("results")
    out.mkdir(exist_ok=True)
    (out / f"bench_submit_{figures['database']}.json").write_text(
        json.dumps(figures, indent=2) + "\n"
    )
    print(json.dumps(figures, indent=2))  # noqa: T201 - a benchmark prints its figures


if __name__ == "__main__":
    main()
