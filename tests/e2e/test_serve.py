"""foodscan serve as a real process: submit a receipt, follow it over SSE, survive kill -9."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import pytest

from foodscan.uploads.jpeg import walk
from tests.e2e.server import RECEIPT_LINES, Server, render_receipt
from tests.e2e.sse_client import Frame, frames

pytestmark = pytest.mark.slow
TERMINAL = {"job.succeeded", "job.failed", "job.cancelled"}


def jpeg(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    render_receipt(lines).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def submit(server: Server, content: bytes, name: str, media_type: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/jobs",
        data={"kind": "receipt"},
        files={"file": (name, content, media_type)},
        timeout=10,
    )


def follow(server: Server, job_id: str, headers: dict[str, str] | None = None) -> list[Frame]:
    """Read a job's event stream until the server closes it after the terminal event."""
    with httpx.stream(
        "GET", f"{server.url}/v1/jobs/{job_id}/events", headers=headers, timeout=120
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(frames(response))


def test_receipt_photo_is_read_and_streamed_to_the_end(server: Server, receipt_jpeg: bytes) -> None:
    started = time.perf_counter()
    response = submit(server, receipt_jpeg, "receipt.jpg", "image/jpeg")
    elapsed = time.perf_counter() - started

    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/jobs/{body['job_id']}"
    assert body["status"] == "queued"
    assert body["position"] >= 1
    assert body["eta_seconds"] > 0
    assert elapsed < 5  # generous: the figure itself is measured by scripts/bench_submit.py

    events = follow(server, body["job_id"])
    types = [f.data["type"] for f in events]
    assert types[:2] == ["job.queued", "job.started"]
    assert types[-1] == "job.succeeded"
    steps = [f.data["step"] for f in events if f.data["type"] == "job.progress"]
    # The OCR step reports from inside its read too (tests/e2e/test_ocr_progress.py).
    assert list(dict.fromkeys(steps)) == [
        "validate",
        "read_pages",
        "ocr",
        "parse",
        "enrich",
        "check",
        "save",
    ]
    partials: dict[str, Any] = {
        f.data["step"]: f.data.get("partial") for f in events if f.data["type"] == "job.progress"
    }
    assert partials["enrich"]["total"] == "6.84"  # the header and totals, before it is saved
    assert [item["name"] for item in partials["save"]["items"]][:1] == ["BANANAS"]
    ids = [f.id for f in events if f.id is not None]
    assert len(ids) == len(events)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)

    result = events[-1].data["result"]
    text = result["text"].upper()
    for word in ("FRESH MARKET", "BANANAS", "MILK", "TOTAL"):
        assert word in text
    assert all(0 < line["confidence"] <= 1 and len(line["box"]) == 4 for line in result["lines"])
    assert (result["total"], result["date"], result["currency"]) == ("6.84", "2026-03-14", "GBP")
    assert result["merchant"]["name"] == "FRESH MARKET"
    assert [(i["name"], i["total"]) for i in result["items"]] == [
        ("BANANAS", "1.29"),
        ("WHOLE MILK 2L", "2.15"),
        ("RYE BREAD", "3.40"),
    ]
    assert result["reconciliation"]["status"] == "consistent"

    job = httpx.get(f"{server.url}/v1/jobs/{body['job_id']}", timeout=10).json()
    assert job["status"] == "succeeded"
    assert job["result"] == result


def test_a_jpeg_whole_in_structure_whose_pixels_do_not_decode_fails_its_job(
    server: Server, receipt_jpeg: bytes
) -> None:
    # The API checks a JPEG's structure only (uploads/jpeg.py); the worker decodes it. Without
    # its quantisation table (DQT, 0xDB) every marker is in place, but no pixel can be produced.
    broken = b"".join(part for marker, part in walk(receipt_jpeg).parts if marker != 0xDB)

    response = submit(server, broken, "receipt.jpg", "image/jpeg")

    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    types = [f.data["type"] for f in follow(server, job_id)]
    assert types[-1] == "job.failed"
    assert types.count("job.started") == 1  # a file that cannot be read is not retried
    job = httpx.get(f"{server.url}/v1/jobs/{job_id}", timeout=10).json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "unreadable_file"
    assert "could not be decoded" in job["error"]["message"]


def test_reconnect_with_last_event_id_gets_exactly_the_missing_events(
    server: Server, receipt_jpeg: bytes
) -> None:
    job_id = submit(server, receipt_jpeg, "r.jpg", "image/jpeg").json()["job_id"]
    seen: list[Frame] = []
    with httpx.stream("GET", f"{server.url}/v1/jobs/{job_id}/events", timeout=120) as response:
        for frame in frames(response):
            seen.append(frame)
            if len(seen) == 3:
                break  # the client goes away mid-stream

    rest = follow(server, job_id, headers={"Last-Event-ID": str(seen[-1].id)})
    everything = follow(server, job_id)

    assert [f.id for f in seen + rest] == [f.id for f in everything]
    assert rest[-1].data["type"] == "job.succeeded"


def test_kill_9_during_ocr_then_restart_finishes_the_job_exactly_once(
    server: Server, slow_receipt_pdf: bytes
) -> None:
    job_id = submit(server, slow_receipt_pdf, "scan.pdf", "application/pdf").json()["job_id"]
    with httpx.stream("GET", f"{server.url}/v1/jobs/{job_id}/events", timeout=120) as response:
        for frame in frames(response):
            if frame.data.get("step") == "ocr":
                break
    server.kill()

    server.start()
    events = follow(server, job_id)
    types = [f.data["type"] for f in events]

    assert types.count("job.succeeded") == 1
    assert not TERMINAL & set(types[:-1])
    assert "job.retrying" in types  # the lease expired and the job was rescued
    assert types.count("job.started") == 2
    job = httpx.get(f"{server.url}/v1/jobs/{job_id}", timeout=10).json()
    assert job["status"] == "succeeded"
    assert job["attempt"] == 2


def test_two_photos_of_one_long_receipt_become_one_receipt(server: Server) -> None:
    top = RECEIPT_LINES[:7]  # the header and the first items
    bottom = RECEIPT_LINES[4:]  # overlaps the first photo by three rows
    photos = [("top.jpg", jpeg(top)), ("bottom.jpg", jpeg(bottom))]
    response = httpx.post(
        f"{server.url}/v1/jobs",
        data={"kind": "receipt"},
        files=[("file", (name, data, "image/jpeg")) for name, data in photos],
        timeout=10,
    )
    assert response.status_code == 202, response.text

    events = follow(server, response.json()["job_id"])

    result = events[-1].data["result"]
    assert result["pages"] == 2
    assert [i["name"] for i in result["items"]] == ["BANANAS", "WHOLE MILK 2L", "RYE BREAD"]
    assert result["total"] == "6.84"
    assert result["reconciliation"]["status"] == "consistent"
    page_one = [f.data for f in events if f.data.get("message") == "Reading text (page 1 of 2)"]
    assert page_one
    assert page_one[0]["partial"]["merchant"]["name"] == "FRESH MARKET"
