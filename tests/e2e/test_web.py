"""The web page in a real browser: Playwright driving Debian's Chromium against ``foodscan serve``.

Upload a receipt and watch its steps arrive over ``/v1/events`` to the result; reload and find
it in the history; cancel and retry a slow job; lose the server mid-job and catch up when it
returns; read a refused upload's message; see a receipt's items as a table (desktop and phone);
use a token on a server with a secret key; send three product photos as one job and see a card
per product; find every module the page loads served by foodscan as JavaScript, and no console
error. Screenshots land in a temporary folder (printed with ``-s``; keep it with
``--basetemp``); ``docs/screenshots/`` holds copies made from there by hand.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright

from foodscan.auth import mint_token
from foodscan.settings import Settings
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, Tab, screenshot, upload, upload_files
from tests.e2e.finished_receipt import receipt_job
from tests.e2e.server import Server
from tests.unit.recognition.product_images import product_photo

pytestmark = pytest.mark.slow

JOB_TIMEOUT_MS = 40_000
STEPS = ["validate", "read_pages", "ocr", "parse", "save"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; the browser test needs Debian's package: "
            "apt-get install -y --no-install-recommends chromium (.ci/run installs it)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests photograph the page: a temporary folder, or the one named by
    ``FOODSCAN_TEST_SCREENSHOTS`` (``docs/screenshots`` to regenerate README's pictures)."""
    chosen = os.environ.get("FOODSCAN_TEST_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    tab = Tab.open(browser, server.url)
    yield tab.page
    tab.close()


def test_receipt_is_followed_live_to_its_result_and_stays_in_history(
    page: Page, receipt_jpeg: bytes
) -> None:
    upload(page, "receipt.jpg", receipt_jpeg, "image/jpeg")

    job = page.locator("#job")
    expect(job.get_by_role("heading", name="receipt.jpg")).to_be_visible()
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    # Only the event stream tells each step: GET knows the latest one alone.
    seen = job.locator(".activity li[data-type='job.progress']").evaluate_all(
        "items => items.map(li => li.dataset.step)"
    )
    assert [step for step in STEPS if step in seen] == STEPS, seen
    types = job.locator(".activity li").evaluate_all("items => items.map(li => li.dataset.type)")
    assert types[0] == "job.queued"
    assert types[-1] == "job.succeeded"
    expect(job.locator("[data-field='total']")).to_contain_text("6.84")
    expect(job.get_by_role("button", name="Cancel scan")).to_be_hidden()

    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    row = page.locator("#history .history-item").first
    expect(row).to_contain_text("receipt.jpg")
    expect(row).to_contain_text("Done")
    expect(row).to_have_attribute("aria-current", "true")
    expect(job.locator("[data-field='total']")).to_contain_text("6.84")


def test_a_running_job_is_cancelled_and_retried_from_the_page(
    page: Page, slow_receipt_pdf: bytes, screenshots: Path
) -> None:
    upload(page, "long.pdf", slow_receipt_pdf, "application/pdf")
    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "running")
    expect(job.locator("progress")).to_be_visible()
    expect(job.locator(".steps li[aria-current='step']")).to_have_count(1)
    expect(job.locator(".steps li[data-step='ocr']")).to_have_attribute("aria-current", "step")
    screenshot(page, screenshots / "desktop-running.png")
    job.get_by_role("button", name="Cancel scan").click()

    expect(job).to_have_attribute("data-status", "cancelled", timeout=10_000)
    expect(job.locator(".badge")).to_have_text("Cancelled")
    expect(page.locator("#history .history-item").first).to_contain_text("Cancelled")

    job.get_by_role("button", name="Retry").click()
    expect(job).to_have_attribute("data-status", re.compile("queued|running"))
    job.get_by_role("button", name="Cancel scan").click()
    expect(job).to_have_attribute("data-status", "cancelled", timeout=10_000)


def test_updates_missed_while_the_server_was_down_arrive_after_it_returns(
    server: Server, page: Page, slow_receipt_pdf: bytes
) -> None:
    upload(page, "long.pdf", slow_receipt_pdf, "application/pdf")
    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "running")

    server.kill()
    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    server.start()  # same port and database: the job's lease expires, it runs again

    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(job.locator("[data-field='total']")).to_contain_text("6.84")
    types = job.locator(".activity li").evaluate_all("items => items.map(li => li.dataset.type)")
    assert types.count("job.started") == 2, types
    assert types[-1] == "job.succeeded"


def test_an_unsupported_file_is_refused_with_a_readable_message(page: Page) -> None:
    upload(page, "notes.txt", b"just some notes, not a receipt\n", "text/plain")

    error = page.get_by_role("alert")
    expect(error).to_contain_text("This file type is not supported")
    expect(error).to_contain_text("notes.txt")
    expect(error).not_to_contain_text("{")
    expect(page.locator("#history-empty")).to_be_visible()
    expect(page.locator("#job-placeholder")).to_be_visible()
    # The refused file is no longer chosen: Scan waits for another one.
    expect(page.locator("#chosen")).to_be_hidden()
    expect(page.locator("#submit")).to_be_disabled()


def check_served_files(server: Server) -> None:
    """``/`` carries the config; the files come from the package, revalidated by ETag."""
    page = httpx.get(f"{server.url}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '"kind":"receipt"' in page.text
    assert "{{config}}" not in page.text

    script = httpx.get(f"{server.url}/web/app.js", timeout=10)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    again = httpx.get(
        f"{server.url}/web/app.js", headers={"If-None-Match": script.headers["etag"]}, timeout=10
    )
    assert again.status_code == 304

    missing = httpx.get(f"{server.url}/web/settings.py", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "/" not in httpx.get(f"{server.url}/openapi.json", timeout=10).json()["paths"]


def test_every_module_the_page_loads_is_javascript_from_foodscan_and_the_console_is_clean(
    browser: Browser, server: Server
) -> None:
    # goto returns on the load event: by then the entry module and all it imports were fetched.
    tab = Tab.open(browser, server.url, live=False)
    loaded = {url.removeprefix(f"{server.url}/web/"): type_ for url, type_ in tab.scripts.items()}
    for name, content_type in loaded.items():
        assert content_type.startswith("text/javascript"), (name, content_type)
    shipped = {
        entry.name
        for entry in (resources.files("foodscan") / "web").iterdir()
        if entry.name.endswith(".js")
    }
    assert set(loaded) == shipped, "a module is loaded from elsewhere, or one shipped is not used"
    expect(tab.page.locator("#connection")).to_have_attribute("data-state", "live")
    assert tab.console_errors == []
    tab.close()


def show_receipt(page: Page, url: str) -> None:
    """Open a job whose GET answers ``receipt_job`` (the browser's request is answered here)."""
    job_id = "00000000-0000-4000-8000-000000000001"
    page.route(
        f"**/v1/jobs/{job_id}",
        lambda route: route.fulfill(json=receipt_job(job_id)),
    )
    page.goto(f"{url}/#job={job_id}")


def test_a_receipt_result_is_a_table_of_items_with_totals_and_a_verdict(
    browser: Browser, server: Server, page: Page, screenshots: Path
) -> None:
    check_served_files(server)
    show_receipt(page, server.url)

    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Item", "Qty", "Price", "Discount", "Total"]
    )
    expect(table.locator("tbody tr").nth(0)).to_contain_text("0.845 kg")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("\N{MINUS SIGN}£0.50")
    # Under each food item: how long it keeps and its use-by date, from USDA FoodKeeper.
    expect(table.locator("tbody tr").nth(0).locator("[data-field='keeps']")).to_have_text(
        "fridge 3 days · use by 2026-03-17 (estimate)"
    )
    expect(table.locator("tfoot")).to_contain_text("Tax 20%")
    expect(table.locator("[data-field='total']")).to_have_text("£15.28")
    expect(page.locator(".verdict")).to_have_text(re.compile("add up to the total"))
    expect(page.locator(".facts")).to_contain_text("Card ending 4321")
    screenshot(page, screenshots / "desktop.png")

    tab = Tab.open(browser, server.url, viewport=PHONE)
    phone = tab.page
    show_receipt(phone, server.url)
    expect(phone.locator("[data-field='total']")).to_have_text("£15.28")
    box = phone.locator("[data-field='total']").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"], "the total is cut off on a phone"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    expect(phone.get_by_role("button", name="Take a photo")).to_be_visible()
    screenshot(phone, screenshots / "phone.png")
    tab.close()
    print(f"screenshots: {screenshots}")  # noqa: T201 - where to look at them


def test_with_a_secret_key_the_page_asks_for_a_token_then_follows_updates_with_a_ticket(
    browser: Browser, server_factory: Callable[..., Server], receipt_jpeg: bytes
) -> None:
    key = "a-secret-key-long-enough-for-hs256-signing"
    server = server_factory(secret_key=key)
    server.start()
    tab = Tab.open(browser, server.url, live=False)
    page = tab.page
    expect(page.get_by_role("alert")).to_contain_text("This server needs an access token")
    expect(page.locator("#token-box")).to_have_attribute("open", "")

    page.get_by_label("Token").fill(mint_token(Settings(secret_key=key), "alice", "free"))
    page.get_by_role("button", name="Use token").click()
    # EventSource cannot send the token: the stream is opened with a single-use ticket.
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(page.get_by_role("alert")).to_be_hidden()
    upload(page, "receipt.jpg", receipt_jpeg, "image/jpeg")
    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(job.locator("[data-field='total']")).to_contain_text("6.84")
    tab.close()


RECIPE = """Pancakes

Serves 4

Ingredients
- 1⅔ cups all-purpose flour (200g)
- 2 eggs
- 300 ml milk, warmed
- ½ tsp salt

Method
1. Whisk the flour, eggs and milk into a smooth batter.
2. Fry thin pancakes in a hot pan.
"""


def test_a_recipe_is_shown_as_ingredients_and_steps(page: Page, screenshots: Path) -> None:
    page.locator("#kind").select_option("recipe")
    upload(page, "pancakes.txt", RECIPE.encode(), "text/plain")

    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(job.locator("[data-field='title']")).to_have_text("Pancakes")
    ingredients = job.locator("[data-field='ingredients'] li")
    expect(ingredients).to_have_count(4)
    # Amounts as people write them (the JSON keeps 1.6667 cup), the other units kept.
    expect(ingredients.nth(0).locator(".amount")).to_have_text("1⅔ cups")
    expect(ingredients.nth(0)).to_contain_text("all-purpose flour (200 g)")
    expect(ingredients.nth(2)).to_contain_text("warmed")
    expect(ingredients.nth(3).locator(".amount")).to_have_text("½ tsp")
    expect(ingredients.nth(1).locator("[data-field='keeps']")).to_contain_text("keeps: fridge")
    expect(job.locator("[data-field='steps'] li")).to_have_count(2)
    screenshot(page, screenshots / "recipe.png")


def test_on_a_phone_the_page_scrolls_to_the_job_after_scan(
    browser: Browser, server: Server
) -> None:
    tab = Tab.open(browser, server.url, viewport=PHONE)
    phone = tab.page
    phone.locator("#kind").select_option("recipe")
    upload(phone, "pancakes.txt", RECIPE.encode(), "text/plain")

    job = phone.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    # The panel's top and the recipe's own title are on screen, not below the form.
    box = job.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < PHONE["height"] / 2, f"the job's panel starts at {box['y']:.0f} px"
    expect(job.locator("[data-field='title']")).to_be_in_viewport()


def photo(name: str, words: list[str], code: str) -> FilePayload:
    """A product photo made here (packaging words and a real barcode), as a JPEG upload."""
    buffer = io.BytesIO()
    product_photo(words, code=code).save(buffer, "JPEG", quality=92)
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


MILK = "5901234123457"
JUICE = "4006381333931"


def test_product_photos_are_one_job_shown_as_product_cards(page: Page, screenshots: Path) -> None:
    page.locator("#kind").select_option("products")
    expect(page.locator(".drop-text")).to_have_text("Drop product photos here")
    upload_files(
        page,
        [
            photo("milk-front.jpg", ["ARLA", "MJOLK", "1 l"], MILK),
            photo("milk-back.jpg", ["NARINGSVARDE", "ARLA"], MILK),
            photo("juice.jpg", ["TROPICANA", "APELSIN", "1 l"], JUICE),
        ],
    )

    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(job.get_by_role("heading", name="milk-front.jpg and 2 more")).to_be_visible()
    cards = job.locator("[data-field='product']")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Arla")
    expect(cards.nth(0)).to_contain_text(MILK)
    expect(cards.nth(0)).to_contain_text("photos 1, 2")
    expect(cards.nth(1)).to_contain_text("Tropicana")
    expect(page.locator("#history .history-item").first).to_contain_text("milk-front.jpg")
    screenshot(page, screenshots / "products.png")
