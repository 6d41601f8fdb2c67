"""``/docs`` in Chromium with every request off this host blocked: Swagger UI comes from the
server (the ``fastapi-offline`` package), not a CDN, and shows the operations.

The browser fixture is ``test_web``'s.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.browser import Tab
from tests.e2e.server import Server
from tests.e2e.test_web import browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


def test_docs_render_the_operations_with_no_request_off_this_host(
    browser: Browser,  # noqa: F811 - the fixture
    server: Server,
) -> None:
    tab = Tab.open(browser, server.url, live=False)
    blocked: list[str] = []

    def only_this_host(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page = tab.page
    page.route("**/*", only_this_host)
    try:
        page.goto(f"{server.url}/docs")

        operation = page.locator(".opblock-summary-path", has_text="/v1/jobs/{job_id}/retry")
        expect(operation).to_be_visible(timeout=20_000)
        expect(page.locator(".opblock").first).to_be_visible()
        assert page.locator(".opblock").count() >= 10
        assert blocked == []
    finally:
        tab.close()
