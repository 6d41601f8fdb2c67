"""A ``foodscan serve`` subprocess for end-to-end tests, and receipts rendered for it to read."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFont

FOODSCAN = Path(sys.executable).parent / "foodscan"
START_TIMEOUT_S = 60.0
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")

RECEIPT_LINES = [
    "FRESH MARKET",
    "12 High Street",
    "2026-03-14 09:41",
    "",
    "BANANAS          1.29",
    "WHOLE MILK 2L    2.15",
    "RYE BREAD        3.40",
    "",
    "TOTAL GBP        6.84",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One ``foodscan serve`` process; ``start``/``kill`` it as often as a test needs."""

    data_dir: Path
    env: dict[str, str]
    args: tuple[str, ...] = ("serve",)  # ("worker",) for a worker: no HTTP to wait for
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    ready_path: str = "/readyz"  # "/healthz" for an API that must answer before any worker runs

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path = self.data_dir.parent / f"server-{time.monotonic_ns()}.log"
        with self.log_path.open("wb") as log:
            http = self.args[0] == "serve"
            port = ["--port", str(self.port)] if http else []
            self.process = subprocess.Popen(
                [str(FOODSCAN), *self.args, *port],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not http:
            return
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"foodscan serve exited early:\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}{self.ready_path}", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"foodscan serve did not become ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM and wait: the graceful path."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def render_receipt(lines: list[str], *, scale: int = 1) -> Image.Image:
    """A clean receipt picture, black monospace text on white, for OCR to read."""
    size = 28 * scale
    font = (
        ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size=size)
    )
    width, line_height = 24 * size, int(size * 1.6)
    image = Image.new("RGB", (width, line_height * (len(lines) + 2)), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines, start=1):
        draw.text((size, index * line_height), line, fill="black", font=font)
    return image
