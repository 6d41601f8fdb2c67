"""Fixtures of the API suite, on both engines: ``create_app(..., run_worker=False)`` with its
lifespan run, real HTTP through ASGI (httpx), image factories and an SSE stream opener.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from foodscan.serve import create_app
from foodscan.settings import Settings
from tests.integration.api.support import PIXEL_LIMIT, SECRET, UPLOAD_LIMIT, Api, Stream
from tests.integration.conftest import Clock

ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def api_factory(tmp_path: Path, database_url: str, clock: Clock) -> ApiFactory:
    """``async with make(**settings_overrides) as api``: the app, its lifespan run, a client;
    its job store reads the time from ``clock``."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Api]:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "max_upload_bytes": UPLOAD_LIMIT,
            "max_pixels": PIXEL_LIMIT,
            "sse_heartbeat_s": 30.0,
            "sse_retry_ms": 1500,
        }
        values.update(overrides)
        settings = Settings(**values)
        app = create_app(settings, run_worker=False, clock=clock.now)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000"
            ) as client:
                yield Api(app, client, settings)

    return make


@pytest.fixture
async def api(api_factory: ApiFactory) -> AsyncIterator[Api]:
    """No secret key: the embedded single-user mode."""
    async with api_factory() as running:
        yield running


@pytest.fixture
async def secured_api(api_factory: ApiFactory) -> AsyncIterator[Api]:
    """A secret key is configured: every request needs a token."""
    async with api_factory(secret_key=SECRET) as running:
        yield running


def _encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


ImageFactory = Callable[..., bytes]


@pytest.fixture
def receipt_image() -> ImageFactory:
    """``make(fmt="JPEG", size=(240, 320), seed=None)``: a small receipt-like photo."""

    fresh = itertools.count(1)

    def make(
        fmt: str = "JPEG", size: tuple[int, int] = (240, 320), seed: int | None = None
    ) -> bytes:
        # Each call draws a distinct picture unless ``seed`` repeats (same bytes: a duplicate).
        seed = next(fresh) if seed is None else seed
        image = Image.new("RGB", size, (250, 250, 245))
        # A few dark bars standing in for lines of text; ``seed`` makes each image distinct.
        for row in range(20, size[1] - 20, 24):
            width = 60 + (row * 7 + seed * 13) % (size[0] - 80)
            image.paste((30, 30, 30), (16, row, 16 + width, row + 8))
        return _encode(image, fmt)

    return make


@pytest.fixture
def png_bomb() -> bytes:
    """A PNG of a few KB that inflates to more pixels than ``PIXEL_LIMIT``."""
    return _encode(Image.new("1", (2500, 2500)), "PNG", optimize=True)


StreamOpener = Callable[..., Awaitable[Stream]]


@pytest.fixture
async def open_stream() -> AsyncIterator[StreamOpener]:
    """``await open(app, url, headers={})``: a started stream; left-open ones are disconnected."""
    opened: list[Stream] = []

    async def open_(app: FastAPI, url: str, headers: dict[str, str] | None = None) -> Stream:
        stream = Stream(app, url, headers or {})
        opened.append(stream)
        return await stream.start()

    yield open_
    for stream in opened:
        if stream._task is not None and not stream._task.done():
            await stream.disconnect()
