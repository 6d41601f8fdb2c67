"""The vision-LLM is off by default and configured from FOODSCAN_LLM_* alone."""

from __future__ import annotations

import pytest

from foodscan.llm.client import LlmConfig, build_provider
from foodscan.settings import Settings


def test_without_base_url_and_model_there_is_no_provider() -> None:
    assert build_provider(Settings()) is None
    assert build_provider(Settings(llm_base_url="http://127.0.0.1:1/v1")) is None
    assert build_provider(Settings(llm_model="gpt-4o-mini")) is None
    assert not Settings().llm_enabled


async def test_the_environment_configures_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOODSCAN_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("FOODSCAN_LLM_MODEL", "llava")
    monkeypatch.setenv("FOODSCAN_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("FOODSCAN_LLM_KINDS", '["products"]')
    monkeypatch.setenv("FOODSCAN_LLM_PRICE_INPUT_PER_MTOK", "0.15")
    settings = Settings()
    config = LlmConfig.from_settings(settings)
    assert config is not None
    assert (config.base_url, config.model, config.api_key) == (
        "http://127.0.0.1:11434/v1",
        "llava",
        "sk-secret",
    )
    assert config.kinds == frozenset({"products"})
    assert config.prices.cost(1_000_000, 0) == 0.15
    assert "sk-secret" not in repr(settings)
    provider = build_provider(settings)
    assert provider is not None
    assert provider.engine == "llm:llava"
    assert provider.wants("products")
    assert not provider.wants("receipt")
    await provider.close()
