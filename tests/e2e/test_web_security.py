"""The keyless server against the pages a user may visit, in a real Chromium (issue 15, 1-3).

The page foodscan serves keeps working: its submit, cancel and retry carry its own Origin and
are accepted. A page of another site (``http://localhost:<port>``, which Chromium treats as
another site than ``127.0.0.1``) sends the same requests and opens ``/v1/ws``: every request
is refused and nothing is stored or changed, and the socket closes with 4403 before any event.
A DNS-rebinding page (``attacker.test``, which this browser resolves to 127.0.0.1, as the
attacker's DNS would after the page loaded) reads ``/v1/jobs`` from its own origin: 421.

The foreign pages are served by a small HTTP server on 127.0.0.1 (Chromium's Local Network
Access would refuse a page from elsewhere to reach loopback at all, which tests nothing of
foodscan); every request they send reaches the real ``foodscan serve`` on 127.0.0.1. For the
rebinding, that small server first serves the attacker's page on the port foodscan then takes.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, Tab, upload
from tests.e2e.server import Server

pytestmark = pytest.mark.slow

REBOUND = "attacker.test"
ATTACK_PAGE = "<!doctype html><title>a page of another site</title><p>hello</p>"
WS_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium", pytrace=False
        )
    # The attacker's DNS, rebound: its name now resolves to this machine.
    rules = f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, rules]
        )
        yield launched
        launched.close()


def _jobs(server: Server) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{server.url}/v1/jobs", timeout=10).json()["items"]
    return items


def _record(page: Page, server: Server) -> list[tuple[str, str, str | None, int | None]]:
    """(method, path, Origin sent, status) of each request the page makes to /v1/jobs."""
    seen: list[tuple[str, str, str | None, int | None]] = []

    def finished(request: Request) -> None:
        if request.url.startswith(f"{server.url}/v1/jobs"):
            response = request.response()
            status = response.status if response is not None else None
            path = request.url.removeprefix(server.url)
            seen.append((request.method, path, request.all_headers().get("origin"), status))

    page.on("requestfinished", finished)
    return seen


@contextlib.contextmanager
def _finished(page: Page, method: str, suffix: str = "") -> Iterator[None]:
    """Wait, after the block, until the page's ``method`` request to ``…suffix`` has finished."""
    with page.expect_event(
        "requestfinished",
        predicate=lambda request: request.method == method and request.url.endswith(suffix),
        timeout=10_000,
    ):
        yield


class _AttackPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = ATTACK_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the foreign page's requests are the test's business, not the log's."""


@contextlib.contextmanager
def _attacker(port: int = 0) -> Iterator[int]:
    """Another site's server on 127.0.0.1 (its port), serving one page until the block ends."""
    site = http.server.ThreadingHTTPServer(("127.0.0.1", port), _AttackPage)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site.server_address[1]
    finally:
        site.shutdown()
        site.server_close()
        thread.join()


def _foreign_page(browser: Browser, url: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(url)
    return page


def test_the_page_submits_cancels_and_retries_with_its_own_origin(
    browser: Browser, server: Server, slow_receipt_pdf: bytes
) -> None:
    tab = Tab.open(browser, server.url)
    seen = _record(tab.page, server)

    upload(tab.page, "long.pdf", slow_receipt_pdf, "application/pdf")
    job = tab.page.locator("#job")
    expect(job).to_have_attribute("data-status", re.compile("queued|running"))
    # The job's events may show its new status before the browser reports the request
    # finished: wait for the request itself before the tab closes.
    with _finished(tab.page, "DELETE"):
        job.get_by_role("button", name="Cancel scan").click()
    expect(job).to_have_attribute("data-status", "cancelled", timeout=10_000)
    with _finished(tab.page, "POST", "/retry"):
        job.get_by_role("button", name="Retry").click()
    expect(job).to_have_attribute("data-status", re.compile("queued|running|succeeded"))
    tab.close()

    writes = [(m, status) for m, _, _, status in seen if m in {"POST", "DELETE"}]
    assert [m for m, _ in writes] == ["POST", "DELETE", "POST"], seen
    assert all(status is not None and status < 300 for _, status in writes), seen
    assert {origin for m, _, origin, _ in seen if m != "GET"} == {server.url}
    assert [j["status"] in {"queued", "running", "succeeded"} for j in _jobs(server)] == [True]


SCRIPT = """async ({ target, file }) => {
  const form = new FormData();
  form.append("kind", "receipt");
  form.append("file", new Blob([new Uint8Array(file)], { type: "image/jpeg" }), "r.jpg");
  const sent = [];
  const send = async (path, init) => {
    try { await fetch(target + path, { mode: "no-cors", ...init }); sent.push(path); }
    catch (error) { sent.push(path + " failed: " + error); }
  };
  await send("/v1/jobs", { method: "POST", body: form });
  await send("/v1/jobs/" + "%s" + "/retry", { method: "POST" });
  const text = { "Content-Type": "text/plain" };
  await send("/v1/events/tickets", { method: "POST", body: "{}", headers: text });
  const socket = await new Promise((resolve) => {
    const messages = [];
    const ws = new WebSocket(target.replace("http", "ws") + "/v1/ws");
    ws.onmessage = (event) => messages.push(JSON.parse(event.data));
    ws.onclose = (event) => resolve({ code: event.code, messages });
    setTimeout(() => resolve({ code: "still open", messages }), %d);
  });
  return { sent, socket };
}"""


@pytest.fixture
def idle_server(server_factory: Callable[..., Server]) -> Server:
    """A server without a worker: its jobs stay queued, so a cancel or retry would show."""
    made = server_factory("serve", "--no-worker")
    made.ready_path = "/healthz"
    made.start()
    return made


def test_a_page_of_another_site_changes_nothing_and_reads_no_event(
    browser: Browser, idle_server: Server, receipt_jpeg: bytes
) -> None:
    server = idle_server
    files = {"file": ("receipt.jpg", receipt_jpeg, "image/jpeg")}
    submitted = httpx.post(f"{server.url}/v1/jobs", data={"kind": "receipt"}, files=files)
    job_id = submitted.json()["job_id"]
    before = _jobs(server)
    with _attacker() as port:  # localhost is another site than 127.0.0.1 for the browser
        page = _foreign_page(browser, f"http://localhost:{port}/")
    statuses: dict[str, int] = {}
    page.on(
        "response",
        lambda r: statuses.__setitem__(f"{r.request.method} {r.url}", r.status),
    )

    found = page.evaluate(
        SCRIPT % (job_id, WS_TIMEOUT_MS), {"target": server.url, "file": list(receipt_jpeg[:2000])}
    )
    page.context.close()

    assert found["sent"] == [
        "/v1/jobs",
        f"/v1/jobs/{job_id}/retry",
        "/v1/events/tickets",
    ]
    assert set(statuses.values()) == {403}, statuses
    assert len(statuses) == 3
    assert found["socket"]["code"] == 4403
    assert [m["type"] for m in found["socket"]["messages"]] == ["error"]
    assert found["socket"]["messages"][0]["code"] == "cross_site_request"
    after = _jobs(server)
    assert [j["id"] for j in after] == [j["id"] for j in before] == [job_id]
    assert after[0]["status"] == "queued"


def test_a_rebound_name_reads_nothing(
    browser: Browser, server_factory: Callable[..., Server]
) -> None:
    server = server_factory("serve", "--no-worker")
    server.ready_path = "/healthz"
    with _attacker() as port:  # the attacker's server, on the port foodscan will listen on
        page = _foreign_page(browser, f"http://{REBOUND}:{port}/")
    server.port = port  # now the name leads to foodscan: the page is same-origin with it
    server.start()
    httpx.post(
        f"{server.url}/v1/jobs",
        data={"kind": "receipt"},
        files={"file": ("notes.txt", b"BREAD 1.00\nTOTAL 1.00\n", "text/plain")},
    )

    # Same-origin for the browser, so the answer would be readable: it must hold nothing.
    got = page.evaluate(
        "async () => { const r = await fetch('/v1/jobs'); return [r.status, await r.text()]; }"
    )
    page.context.close()

    status, body = got
    assert status == 421, body
    assert '"host_not_allowed"' in body
    assert "items" not in body
