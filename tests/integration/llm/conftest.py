"""Fixtures of the LLM suite: the fake chat-completions server and providers pointed at it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from foodscan.llm.client import LlmConfig, LlmProvider
from tests.llm_server import LlmServer
from tests.unit.recognition.conftest import text_pdf  # noqa: F401 - a fixture, shared

MODEL = "test-vision"
ProviderFactory = Callable[..., LlmProvider]


@pytest.fixture
def llm_server() -> Iterator[LlmServer]:
    with LlmServer() as server:
        yield server


@pytest.fixture
async def provider_factory(llm_server: LlmServer) -> AsyncIterator[ProviderFactory]:
    """``make(clock=…, **config)``: a provider for the fake server (fast backoff unless told)."""
    made: list[LlmProvider] = []

    def make(
        clock: Callable[[], float] = time.monotonic, **config: Any
    ) -> LlmProvider:  # Any: LlmConfig's fields
        values: dict[str, Any] = {  # Any: LlmConfig's fields
            "base_url": llm_server.base_url,
            "model": MODEL,
            "api_key": "sk-test",
            "timeout_s": 5.0,
            "max_attempts": 3,
            "backoff_base_s": 0.01,
            "backoff_max_s": 5.0,
        }
        provider = LlmProvider(LlmConfig(**(values | config)), clock=clock)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()
