"""The web page's test harness: Debian's Chromium driven by Playwright, a tab that records what
the page's scripts did wrong and which scripts it loaded, and the steps a user takes to upload.

Only ``test_web.py`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    FilePayload,
    Page,
    Response,
    ViewportSize,
    expect,
)

CHROMIUM = Path("/usr/bin/chromium")
# Flags for this machine's closed network (python-svc.md): no background connections, no QUIC.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass
class Tab:
    """A page in its own browser context, and the uncaught errors its scripts raised.

    Also kept, for the test that looks at them: the console's errors, and each script the page
    loaded (URL → ``Content-Type``)."""

    page: Page
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    scripts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(
        cls, browser: Browser, url: str, *, viewport: ViewportSize = DESKTOP, live: bool = True
    ) -> Tab:
        phone = viewport is PHONE
        context = browser.new_context(
            viewport=viewport, locale="en-GB", timezone_id="UTC", is_mobile=phone, has_touch=phone
        )
        tab = cls(context.new_page())
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        tab.page.on("console", tab._console)
        tab.page.on("response", tab._response)
        tab.page.goto(url)
        if live:
            expect(tab.page.locator("#connection")).to_have_attribute("data-state", "live")
        return tab

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "script":
            self.scripts[response.url] = response.headers.get("content-type", "")

    def close(self) -> None:
        self.page.context.close()
        assert self.errors == [], f"the page's script failed: {self.errors}"


def screenshot(page: Page, path: Path) -> None:
    """The whole page at its width. (A ``full_page`` shot drops touch emulation in Chromium,
    so the phone layout would be photographed as a desktop one: grow the viewport instead.)"""
    size = page.viewport_size
    assert size is not None
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=path, animations="disabled")


def upload_files(page: Page, files: list[FilePayload]) -> None:
    """Choose several files at once (a products job) and press Scan."""
    page.locator("#file").set_input_files(files=files)
    for payload in files:
        expect(page.locator("#chosen")).to_contain_text(payload["name"])
    page.get_by_role("button", name="Scan", exact=True).click()


def upload(page: Page, name: str, content: bytes, media_type: str) -> None:
    payload: FilePayload = {"name": name, "mimeType": media_type, "buffer": content}
    page.locator("#file").set_input_files(files=[payload])
    expect(page.locator("#chosen")).to_contain_text(name)
    page.get_by_role("button", name="Scan", exact=True).click()
