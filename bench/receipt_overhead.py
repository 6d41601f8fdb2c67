"""What the receipt pipeline adds to the OCR engine's own time (issue 16).

For each of N SROIE scans (``../shared/data/sroie/img``, read where they lie) it times, one
after the other on the same image:

- **bare**: RapidOCR alone, as its package ships it (``RapidOCR(...)(path)``: its own decode,
  detection, direction classifier, recognition), with the models foodscan bundles;
- **pipeline**: the ``receipt`` kind's real steps (``pipelines.receipt.RECEIPT``: validate,
  decode, the engine picker with its script probe, OCR, parse, enrich, check, save) with the
  worker's own collaborators: its CPU pool, the picker ``serve`` builds, a blob store in a
  temporary folder. Progress events go nowhere.

It prints seconds per receipt (mean and p50), wall clock and CPU (all threads), for both and
their ratio (pipeline / bare: the median of the per-receipt ratios, and the ratio of the
sums). ``--baseline-src DIR`` (the
``src`` folder of another checkout, e.g. ``git archive main``) also runs the pipeline with
that checkout's engine picker (``recognition/reading/engines.py``: the script probe) on
each image, interleaved, so a before/after pair is measured under the same load. The first
image is read once by each before timing, so model loading is not counted. ``--profile FILE``
writes a pyinstrument profile (text) of the pipeline runs (the event loop's thread only).

    python bench/receipt_overhead.py [--limit 20] [--repeat 1] [--profile out.txt]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from foodscan.blobs.local import LocalBlobStore
from foodscan.pipelines.base import Context
from foodscan.pipelines.receipt import RECEIPT
from foodscan.recognition.reading.engines import build_picker
from foodscan.recognition.reading.ocr import _CLS_MODEL, _DET_MODEL, _REC_MODEL, _models_dir
from foodscan.uploads.checks import UploadLimits
from foodscan.worker.cpu import CpuPool

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sroie"
LIMITS = UploadLimits(max_bytes=10 * 1024 * 1024, max_pages=20, max_pixels=50_000_000)


def bare_engine() -> Any:
    """RapidOCR with its defaults and the bundled models (``Any``: rapidocr has no stubs)."""
    from rapidocr import RapidOCR  # noqa: PLC0415 - heavy, first use

    models = _models_dir()
    if models is None:
        raise SystemExit("rapidocr is not installed")
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Det.model_path": str(models / _DET_MODEL),
            "Rec.model_path": str(models / _REC_MODEL),
            "Cls.model_path": str(models / _CLS_MODEL),
        }
    )


async def _noop(*_: Any) -> None:
    return None


async def run_pipeline(
    data: bytes, blobs: LocalBlobStore, cpu: CpuPool, ocr: Any
) -> dict[str, Any]:
    """One receipt through every step of the ``receipt`` kind; its result as JSON data."""
    key = await blobs.put(data, suffix=".jpg")
    ctx: Context[Any] = Context(
        job_id="bench",
        kind="receipt",
        lang=None,
        options={},
        inputs=[{"blob_key": key}],
        blobs=blobs,
        cpu=cpu,
        ocr=ocr,
        limits=LIMITS,
        state=RECEIPT.new_state(),
    )
    return await RECEIPT.run(ctx, _noop)


def cpu_seconds() -> float:
    """CPU seconds this process has used, all its threads (user + system): on a machine
    shared with other work, a steadier measure of the work done than the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def baseline_picker(src: Path) -> Any:
    """The engine picker of the checkout whose ``src`` folder is ``src`` (its engines module
    alone; the engines it wraps are this checkout's)."""
    path = src / "foodscan" / "recognition" / "reading" / "engines.py"
    spec = importlib.util.spec_from_file_location("baseline_engines", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"no engines module at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_picker()


def _summary(bare_all: list[float], pipe_all: list[float], prefix: str) -> dict[str, float]:
    ratios = [p / b for p, b in zip(pipe_all, bare_all, strict=True)]
    return {
        f"{prefix}_mean_s": round(statistics.fmean(pipe_all), 3),
        f"{prefix}_p50_s": round(statistics.median(pipe_all), 3),
        f"{prefix}_ratio_of_sums": round(sum(pipe_all) / sum(bare_all), 3),
        f"{prefix}_ratio_p50": round(statistics.median(ratios), 3),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    images = sorted((args.data / "img").glob("*.jpg"))[: args.limit]
    bare = bare_engine()
    picker = build_picker()
    before = baseline_picker(args.baseline_src) if args.baseline_src else None
    cpu = CpuPool(args.pool)
    rows = []
    profiler = None
    with tempfile.TemporaryDirectory() as tmp:
        blobs = LocalBlobStore(tmp)
        bare(str(images[0]))  # load the models
        await run_pipeline(images[0].read_bytes(), blobs, cpu, picker)
        if before is not None:
            await run_pipeline(images[0].read_bytes(), blobs, cpu, before)
        if args.profile:
            from pyinstrument import Profiler  # noqa: PLC0415 - a dev tool

            profiler = Profiler(async_mode="disabled")
        for path in images:
            for _ in range(args.repeat):
                started, cpu0 = time.perf_counter(), cpu_seconds()
                found = bare(str(path))
                bare_s, bare_cpu = time.perf_counter() - started, cpu_seconds() - cpu0
                if profiler:
                    profiler.start()
                started, cpu0 = time.perf_counter(), cpu_seconds()
                result = await run_pipeline(path.read_bytes(), blobs, cpu, picker)
                pipe_s, pipe_cpu = time.perf_counter() - started, cpu_seconds() - cpu0
                if profiler:
                    profiler.stop()
                row = {
                    "id": path.stem,
                    "bare_s": round(bare_s, 3),
                    "pipeline_s": round(pipe_s, 3),
                    "ratio": round(pipe_s / bare_s, 3),
                    "bare_cpu": round(bare_cpu, 3),
                    "pipeline_cpu": round(pipe_cpu, 3),
                    "bare_lines": len(found.txts or ()),
                    "pipeline_lines": len(result["lines"]),
                }
                if before is not None:
                    started, cpu0 = time.perf_counter(), cpu_seconds()
                    await run_pipeline(path.read_bytes(), blobs, cpu, before)
                    row["baseline_s"] = round(time.perf_counter() - started, 3)
                    row["baseline_cpu"] = round(cpu_seconds() - cpu0, 3)
                rows.append(row)
                sys.stdout.write(json.dumps(rows[-1]) + "\n")
                sys.stdout.flush()
    cpu.close()
    if profiler:
        args.profile.write_text(profiler.output_text(unicode=True, show_all=False))
    bare_all = [r["bare_s"] for r in rows]
    summary: dict[str, Any] = {
        "n": len(rows),
        "bare_mean_s": round(statistics.fmean(bare_all), 3),
        "bare_p50_s": round(statistics.median(bare_all), 3),
        **_summary(bare_all, [r["pipeline_s"] for r in rows], "pipeline"),
    }
    bare_cpu_all = [r["bare_cpu"] for r in rows]
    summary["bare_cpu_mean_s"] = round(statistics.fmean(bare_cpu_all), 3)
    summary.update(_summary(bare_cpu_all, [r["pipeline_cpu"] for r in rows], "pipeline_cpu"))
    if before is not None:
        summary.update(_summary(bare_all, [r["baseline_s"] for r in rows], "baseline"))
        summary.update(_summary(bare_cpu_all, [r["baseline_cpu"] for r in rows], "baseline_cpu"))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pool", type=int, default=2, help="CPU pool threads (worker default)")
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--baseline-src", type=Path, default=None, help="another checkout's src")
    args = parser.parse_args()
    summary = asyncio.run(main_async(args))
    sys.stdout.write(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
