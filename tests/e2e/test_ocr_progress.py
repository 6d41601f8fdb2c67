"""A two-photo receipt through ``foodscan serve``: the OCR step reports from inside each read
(the lines found, then the lines read), so its progress events come while it runs, in order."""

from __future__ import annotations

import io
import re

import httpx
import pytest

from tests.e2e.server import RECEIPT_LINES, Server, render_receipt
from tests.e2e.test_serve import follow

pytestmark = pytest.mark.slow
INSIDE = re.compile(r"Reading text: page ([12]) of 2, (found \d+ lines|\d+ of \d+ lines)")


def _jpeg(scale: int) -> bytes:
    buffer = io.BytesIO()
    render_receipt(RECEIPT_LINES, scale=scale).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def test_the_ocr_step_reports_from_inside_each_page(server: Server) -> None:
    files = [("file", (f"{n}.jpg", _jpeg(n), "image/jpeg")) for n in (1, 2)]
    response = httpx.post(
        f"{server.url}/v1/jobs", data={"kind": "receipt"}, files=files, timeout=10
    )
    assert response.status_code == 202, response.text

    events = [f.data for f in follow(server, response.json()["job_id"])]

    assert events[-1]["type"] == "job.succeeded", events[-1]
    ocr = [e for e in events if e["type"] == "job.progress" and e["step"] == "ocr"]
    # Each page says at least how many lines it found, in page order.
    pages = [m.group(1) for e in ocr if (m := INSIDE.fullmatch(e["message"]))]
    assert {"1", "2"} <= set(pages), [e["message"] for e in ocr]
    assert pages == sorted(pages)
    assert len(ocr) >= 4  # the step's start, page 1 from inside, page 1 read, page 2 from inside
    progress = [e["progress"] for e in ocr]
    assert progress[-1] > progress[0]
    every = [e["progress"] for e in events if e["type"] == "job.progress"]
    assert every == sorted(every)
