"""The web page in Chromium: a file scanned before is said to be, "Scan again" makes a new job
(of any finished job, one sent through the API too: the server keeps the uploads); sizes in MiB
and an empty file refused before sending; no vision-LLM step without a model.

The browser and page fixtures are ``test_web``'s.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from foodscan.client import Client
from tests.e2e.browser import Tab, upload
from tests.e2e.server import Server
from tests.e2e.test_rescan import recipe_text
from tests.e2e.test_web import JOB_TIMEOUT_MS, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def test_a_file_scanned_before_says_so_and_scan_again_makes_a_new_job(page: Page) -> None:  # noqa: F811
    page.locator("#kind").select_option("recipe")
    text = recipe_text()
    job = page.locator("#job")
    upload(page, "pancakes.txt", text, "text/plain")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    first = job.get_attribute("data-job-id")
    notice = page.locator("#form-notice")
    expect(notice).to_be_hidden()

    upload(page, "pancakes.txt", text, "text/plain")

    expect(notice).to_be_visible()
    expect(notice).to_contain_text("scanned before")
    expect(job).to_have_attribute("data-job-id", first or "")
    again = page.get_by_role("button", name="Scan again")
    expect(again).to_be_visible()

    again.click()

    expect(job).not_to_have_attribute("data-job-id", first or "")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(notice).to_be_hidden()
    expect(page.locator(".history-item")).to_have_count(2)


def test_a_job_sent_through_the_api_can_be_scanned_again_from_the_page(
    page: Page,  # noqa: F811
    server: Server,
) -> None:
    with Client(server.url) as client:
        sent = client.submit(("pancakes.txt", recipe_text()), "recipe", metadata={"from": "api"})
        client.wait(sent.job_id, timeout=60)
    job = page.locator("#job")
    page.locator(f'.history-item[data-id="{sent.job_id}"]').click()
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    again = page.get_by_role("button", name="Scan again")
    expect(again).to_be_visible()

    again.click()

    expect(job).not_to_have_attribute("data-job-id", sent.job_id)
    expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_TIMEOUT_MS)
    expect(job.get_by_role("heading", name="pancakes.txt")).to_be_visible()
    expect(page.locator(".history-item")).to_have_count(2)
    new_id = job.get_attribute("data-job-id") or ""
    with Client(server.url) as client:
        rescanned = client.get(new_id)
    assert (rescanned.kind, rescanned.metadata) == ("recipe", {"from": "api"})
    assert rescanned.result is not None
    assert rescanned.result["title"].startswith("Pancakes")


def test_sizes_are_in_mib_and_an_empty_file_is_refused(page: Page) -> None:  # noqa: F811
    upload(page, "big.jpg", b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024 + 512 * 1024), "image/jpeg")

    error = page.get_by_role("alert")
    expect(error).to_contain_text("big.jpg: the file is 11.5 MiB; the limit is 10 MiB.")

    upload(page, "blank.jpg", b"", "image/jpeg")

    expect(error).to_contain_text("blank.jpg: the file is empty.")
    expect(page.locator("#submit")).to_be_disabled()


def steps_of_a_recipe(chromium: Browser, server: Server) -> list[str]:
    """The steps the page lists for a recipe job it just sent."""
    server.start()
    tab = Tab.open(chromium, server.url)
    try:
        tab.page.locator("#kind").select_option("recipe")
        upload(tab.page, "pancakes.txt", recipe_text(), "text/plain")
        steps = tab.page.locator("#job ol.steps li")
        expect(steps.first).to_be_attached()
        return steps.all_text_contents()
    finally:
        tab.close()
        server.stop()


def test_without_a_vision_llm_its_step_is_not_listed(
    browser: Browser,  # noqa: F811 - the fixture
    server_factory: Callable[..., Server],
) -> None:
    plain = steps_of_a_recipe(browser, server_factory())
    configured = server_factory(llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    with_llm = steps_of_a_recipe(browser, configured)

    assert "Asking the vision-LLM" not in plain
    assert "Asking the vision-LLM" in with_llm
    assert [step for step in with_llm if step != "Asking the vision-LLM"] == plain
