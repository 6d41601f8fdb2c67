"""Pictures beside the result, in Chromium against ``foodscan serve`` (desktop and phone): a
scanned receipt's photo with the lines that became items, the total and the date outlined where
they are printed, and each product card with thumbnails of the photos it was read from. The
pictures come from ``GET /v1/jobs/{id}/inputs/{n}/preview`` with the page's token; screenshots
land where ``test_web``'s do (``FOODSCAN_TEST_SCREENSHOTS=docs/screenshots`` to regenerate).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, expect

from tests.e2e import test_web
from tests.e2e.browser import PHONE, Tab, screenshot, upload, upload_files
from tests.e2e.server import Server

pytestmark = pytest.mark.slow

# The browser, screenshot folder and desktop tab of ``test_web``, shared rather than copied.
browser = test_web.browser
screenshots = test_web.screenshots
page = test_web.page

Box = FloatRect


def box_of(locator: Locator) -> Box:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def middle_y(box: Box) -> float:
    return float(box["y"] + box["height"] / 2)


def assert_within(inner: Box, outer: Box, what: str) -> None:
    slack = 2  # the outline's stroke
    assert inner["x"] >= outer["x"] - slack, what
    assert inner["y"] >= outer["y"] - slack, what
    assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack, what
    assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack, what


def assert_outlined_receipt(job: Locator) -> None:
    """The photo is shown with the date above three items above the total, all on the photo."""
    figure = job.locator("figure.preview")
    image = figure.locator("img")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("complete", True)
    picture = box_of(image)
    assert picture["width"] > 50
    items = figure.locator("[data-mark='item']")
    expect(items.first).to_be_attached()
    item_boxes = [box_of(items.nth(i)) for i in range(items.count())]
    # Each of BANANAS, WHOLE MILK 2L and RYE BREAD: its name and its price, or the row as one box.
    rows = sorted({round(middle_y(b) / 4) for b in item_boxes})
    assert len(rows) == 3, item_boxes
    total = box_of(figure.locator("[data-mark='total']").first)
    date = box_of(figure.locator("[data-mark='date']").first)
    for what, box in [("total", total), ("date", date), *(("item", b) for b in item_boxes)]:
        assert_within(box, picture, what)
    assert middle_y(date) < min(middle_y(b) for b in item_boxes)
    assert middle_y(total) > max(middle_y(b) for b in item_boxes)
    # The receipt is printed from the left margin: the outlines are not stretched across.
    assert date["x"] < picture["x"] + picture["width"] / 3


def test_a_receipt_photo_is_shown_with_items_total_and_date_outlined(
    browser: Browser, server: Server, page: Page, receipt_jpeg: bytes, screenshots: Path
) -> None:
    upload(page, "receipt.jpg", receipt_jpeg, "image/jpeg")
    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=test_web.JOB_TIMEOUT_MS)

    assert_outlined_receipt(job)
    # Beside the result on a wide screen: the picture is right of the items table.
    table = box_of(job.get_by_role("table"))
    assert box_of(job.locator("figure.preview img"))["x"] >= table["x"] + table["width"] - 1
    screenshot(page, screenshots / "receipt-photo.png")

    tab = Tab.open(browser, server.url, viewport=PHONE)
    phone = tab.page
    phone.locator("#history .history-item").first.click()
    phone_job = phone.locator("#job")
    expect(phone_job).to_have_attribute("data-status", "succeeded")
    assert_outlined_receipt(phone_job)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    screenshot(phone, screenshots / "phone-receipt-photo.png")
    tab.close()


def test_each_product_card_shows_its_photos(browser: Browser, server: Server, page: Page) -> None:
    upload_files_for_products(page)
    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=test_web.JOB_TIMEOUT_MS)
    cards = job.locator("[data-field='product']")
    expect(cards).to_have_count(2)

    milk = cards.nth(0).locator(".thumbs img")
    expect(milk).to_have_count(2)
    expect(milk.nth(0)).to_have_attribute("alt", "Arla Mjolk, photo 1")
    expect(cards.nth(1).locator(".thumbs img")).to_have_count(1)
    for image in [milk.nth(0), milk.nth(1), cards.nth(1).locator(".thumbs img")]:
        expect(image).to_be_visible()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0

    tab = Tab.open(browser, server.url, viewport=PHONE)
    phone = tab.page
    phone.locator("#history .history-item").first.click()
    thumbs = phone.locator("#job [data-field='product'] .thumbs img")
    expect(thumbs).to_have_count(3)
    for n in range(3):
        expect(thumbs.nth(n)).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    tab.close()


def test_a_text_recipe_shows_no_picture(page: Page) -> None:
    page.locator("#kind").select_option("recipe")
    upload(page, "soup.txt", test_web.RECIPE.encode(), "text/plain")
    job = page.locator("#job")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=test_web.JOB_TIMEOUT_MS)

    expect(job.locator("figure.preview")).to_have_count(0)


def upload_files_for_products(page: Page) -> None:
    page.locator("#kind").select_option("products")
    upload_files(
        page,
        [
            test_web.photo("milk-front.jpg", ["ARLA", "MJOLK", "1 l"], test_web.MILK),
            test_web.photo("milk-back.jpg", ["NARINGSVARDE", "ARLA"], test_web.MILK),
            test_web.photo("juice.jpg", ["TROPICANA", "APELSIN", "1 l"], test_web.JUICE),
        ],
    )


def test_a_receipt_whose_picture_cannot_be_had_keeps_its_layout(page: Page, server: Server) -> None:
    # A job that the server does not have: its preview answers 404, so nothing is shown for it.
    test_web.show_receipt(page, server.url)
    expect(page.locator("[data-field='total']")).to_have_text("£15.28")

    expect(page.locator(".previews")).to_be_hidden()
    expect(page.locator("figure.preview")).to_be_hidden()
    table = box_of(page.get_by_role("table"))
    job = box_of(page.locator("#job"))
    assert table["width"] > job["width"] * 0.8, "room was kept for a picture that never came"
