"""Recognition speed through the real worker: seconds per receipt (p50/p95) for photos and PDFs,
and jobs per minute with the default pool.

It starts ``foodscan serve`` embedded (SQLite, the worker in the same process, every pool at
its default: ``FOODSCAN_WORKER_CONCURRENCY`` 2, ``FOODSCAN_CPU_WORKERS`` = the CPU count) and
sends it receipts over HTTP:

- **one at a time**: each receipt is submitted once the previous one finished; its time is
  ``job.started`` → ``job.succeeded`` from the events' own timestamps (what the worker spent:
  read, OCR, parse, save), and submit → terminal event as the client saw it;
- **a burst**: every photo of ``receipts-synth`` submitted at once; jobs per minute from the
  first submit to the last terminal event, followed on one ``/v1/events`` stream.

Inputs: ``receipts-synth`` and ``sroie`` photos (``../shared/data``, read where they lie, never
copied; a missing set is skipped), PDFs built here: **text** (a text layer, fpdf2: the receipt's
key printed as lines) and **scan** (a synth photo wrapped in an image-only PDF, so its page is
rendered and OCR'd). No GPU is used (ONNX Runtime's CPU provider). Every wait is bounded.

    python bench/recognition_speed.py [--limit 20] [--burst 45] [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import figures
import httpx
import servers
from PIL import Image

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NO_DEDUPE = json.dumps({"dedupe": False})
JOB_TIMEOUT_S = 180.0
TERMINAL = ("job.succeeded", "job.failed", "job.cancelled")
TARGET_PHOTO_P50_S = 1.5


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def text_pdf(key: dict[str, Any]) -> bytes:
    """A one-page PDF with a text layer: the receipt's key as printed lines."""
    from fpdf import FPDF  # noqa: PLC0415 - the bench extra

    pdf = FPDF(format=(80, 200), unit="mm")
    pdf.add_page()
    pdf.set_font("Courier", size=8)
    lines = [key.get("merchant") or "SHOP", f"{key.get('date', '')} {key.get('time', '')}", ""]
    for item in key.get("items", []):
        name = str(item["name"]).encode("latin-1", "replace").decode("latin-1")[:22]
        lines.append(f"{name:<22} {item['total']:>8}")
    lines += ["", f"{'TOTAL':<22} {key.get('total', '')!s:>8}"]
    for line in lines:
        pdf.cell(
            0, 4, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())


def scan_pdf(photo: Path) -> bytes:
    """An image-only PDF of a photo (no text layer: the page is rendered and OCR'd)."""
    with Image.open(photo) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PDF", resolution=200)
        return buffer.getvalue()


def inputs(limit: int) -> dict[str, list[tuple[str, bytes]]]:
    """Each group's files (name, bytes); groups whose data is missing are left out."""
    groups: dict[str, list[tuple[str, bytes]]] = {}
    synth = sorted((DATA / "receipts-synth" / "img").glob("*.jpg"))
    sroie = sorted((DATA / "sroie" / "img").glob("*.jpg"))
    if synth:
        groups["photo: receipts-synth"] = [(p.name, p.read_bytes()) for p in synth[:limit]]
        keys = [DATA / "receipts-synth" / "key" / f"{p.stem}.json" for p in synth[:limit]]
        en = [k for k in keys if k.name.startswith("en_")] or keys
        groups["pdf: text layer"] = [
            (k.stem + ".pdf", text_pdf(json.loads(k.read_text()))) for k in en
        ]
        groups["pdf: scanned photo"] = [
            (p.stem + ".pdf", scan_pdf(p)) for p in synth[: max(1, limit // 2)]
        ]
    if sroie:
        groups["photo: sroie"] = [(p.name, p.read_bytes()) for p in sroie[:limit]]
    return groups


def follow(client: httpx.Client, job_id: str) -> dict[str, float | str]:
    """Read one job's stream to its end: when it started and ended, and how."""
    seen: dict[str, float | str] = {}
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=JOB_TIMEOUT_S) as response:
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            if event["type"] == "job.started":
                seen["started"] = _stamp(event["timestamp"])
            elif event["type"] in TERMINAL:
                seen["ended"] = _stamp(event["timestamp"])
                seen["outcome"] = event["type"]
                return seen
    return seen


def submit(client: httpx.Client, name: str, data: bytes) -> str:
    response = client.post(
        "/v1/jobs",
        data={"kind": "receipt", "options": NO_DEDUPE},
        files={"file": (name, data)},
        timeout=60,
    )
    if response.status_code != 202:
        raise SystemExit(f"submit of {name} refused: {response.status_code} {response.text}")
    job_id: str = response.json()["job_id"]
    return job_id


def one_at_a_time(client: httpx.Client, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    worker_s, client_s, failed = [], [], []
    for name, data in files:
        began = time.time()
        seen = follow(client, submit(client, name, data))
        if seen.get("outcome") != "job.succeeded":
            failed.append(f"{name}: {seen.get('outcome', 'no end')}")
            continue
        worker_s.append(float(seen["ended"]) - float(seen["started"]))
        client_s.append(time.time() - began)
    return {
        "n": len(files),
        "failed": failed,
        "worker_s_p50": figures.rounded(figures.percentile(worker_s, 0.5), 3),
        "worker_s_p95": figures.rounded(figures.percentile(worker_s, 0.95), 3),
        "worker_s_mean": round(statistics.fmean(worker_s), 3) if worker_s else None,
        "client_s_p50": figures.rounded(figures.percentile(client_s, 0.5), 3),
        "client_s_p95": figures.rounded(figures.percentile(client_s, 0.95), 3),
    }


def burst(client: httpx.Client, files: list[tuple[str, bytes]], timeout: float) -> dict[str, Any]:
    """Submit every file at once, then count terminal events on the user's stream."""
    with client.stream(
        "GET", "/v1/events", params={"after": _last_event(client)}, timeout=timeout
    ) as stream:
        started = time.time()
        ids = {submit(client, name, data) for name, data in files}
        submitted_s = time.time() - started
        outcomes: dict[str, str] = {}
        deadline = started + timeout
        for line in stream.iter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event["job_id"] in ids and event["type"] in TERMINAL:
                    outcomes[event["job_id"]] = event["type"]
            if len(outcomes) == len(ids) or time.time() > deadline:
                break
        elapsed = time.time() - started
    done = sum(1 for o in outcomes.values() if o == "job.succeeded")
    return {
        "jobs": len(ids),
        "succeeded": done,
        "unfinished": len(ids) - len(outcomes),
        "submit_s": round(submitted_s, 2),
        "elapsed_s": round(elapsed, 2),
        "jobs_per_minute": round(60 * done / elapsed, 1) if elapsed else None,
    }


def _last_event(client: httpx.Client) -> int:
    """The highest event id so far (a finished job's stream ends with it), or 0."""
    items = client.get("/v1/jobs", params={"limit": 1}).json()["items"]
    if not items:
        return 0
    with client.stream("GET", f"/v1/jobs/{items[0]['id']}/events", timeout=30) as response:
        last = 0
        for line in response.iter_lines():
            if line.startswith("id:"):
                last = int(line[3:])
        return last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20, help="files per group, one at a time")
    parser.add_argument("--burst", type=int, default=45, help="synth photos sent at once (0: none)")
    parser.add_argument("--burst-timeout", type=float, default=600.0)
    parser.add_argument("--name", default="recognition_speed")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    before = figures.machine()  # the load average as the run starts
    groups = inputs(args.limit)
    if not groups:
        raise SystemExit(f"no receipts under {DATA}: nothing to measure")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="foodscan-bench-") as tmp:
        env = servers.foodscan_env(Path(tmp) / "data", None)
        served = servers.serve_foodscan(env, Path(tmp) / "server.log", worker=True)
        try:
            with httpx.Client(base_url=served.url) as client:
                warm = groups[next(iter(groups))][0][1]
                follow(client, submit(client, "warm.jpg", warm))  # loads the models
                for group, files in groups.items():
                    results[group] = one_at_a_time(client, files)
                    print(group, results[group], flush=True)  # noqa: T201
                synth = sorted((DATA / "receipts-synth" / "img").glob("*.jpg"))[: args.burst]
                flood = (
                    burst(client, [(p.name, p.read_bytes()) for p in synth], args.burst_timeout)
                    if synth
                    else None
                )
                print("burst", flood, flush=True)  # noqa: T201
        finally:
            served.stop()
    data = {
        "benchmark": "recognition_speed",
        "machine": before,
        "load_average_after": figures.machine()["load_average"],
        "pool": {"worker_concurrency": 2, "cpu_workers": os.cpu_count()},
        "gpu": "not measured: no GPU machine was lent to this task; ONNX Runtime runs on CPU",
        "one_at_a_time": results,
        "burst": flood,
        "target_photo_p50_s": TARGET_PHOTO_P50_S,
    }
    rows = [
        [
            g,
            r["n"],
            r["worker_s_p50"],
            r["worker_s_p95"],
            r["client_s_p50"],
            r["client_s_p95"],
            len(r["failed"]),
        ]
        for g, r in results.items()
    ]
    lines = [
        "# Recognition speed (`bench/recognition_speed.py`)",
        "",
        f"`foodscan serve` embedded (SQLite, default pools), {data['machine']['cpus']} cores, load "
        f"average before: {data['machine']['load_average']}, after: "
        f"{data['load_average_after']}; one receipt at a time.",
        "",
        figures.table(
            [
                "input",
                "n",
                "worker p50 s",
                "worker p95 s",
                "client p50 s",
                "client p95 s",
                "failed",
            ],
            rows,
        ),
        "",
        (
            f"Burst of {flood['jobs']} synth photos: {flood['jobs_per_minute']} jobs/minute "
            f"({flood['succeeded']} succeeded, {flood['unfinished']} unfinished, "
            f"{flood['elapsed_s']} s)."
            if flood
            else "No burst (no receipts-synth photos)."
        ),
        "",
        f"GPU: {data['gpu']}.",
    ]
    path = figures.write(args.name, data, "\n".join(lines), args.out)
    print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures
    print(f"written: {path}")  # noqa: T201


if __name__ == "__main__":
    main()
