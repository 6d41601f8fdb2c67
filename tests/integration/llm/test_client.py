"""The LLM provider against a real HTTP server speaking chat completions: answers, retries that
honour Retry-After, timeouts, the circuit breaker, repair turns, usage and cost."""

from __future__ import annotations

import time

import pytest
from openai.types.chat import ChatCompletionMessageParam

from foodscan.errors import LlmInvalidAnswer, LlmRejected, LlmUnavailable
from foodscan.llm.readings import receipt_shape
from foodscan.llm.structured import ask
from foodscan.llm.usage import Prices
from tests.integration.llm.conftest import MODEL, ProviderFactory
from tests.llm_server import LlmServer, Reply, answer, error

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "read this receipt"}]
RECEIPT = {"total": "12.30", "currency": "PLN", "items": []}


async def test_an_answer_is_parsed_with_the_result_model_and_its_tokens_counted(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(answer(RECEIPT, prompt_tokens=1000, completion_tokens=200))
    provider = provider_factory(prices=Prices(input_per_mtok=2.5, output_per_mtok=10.0))
    usage = provider.usage()

    parsed = await ask(provider, receipt_shape(), MESSAGES, usage)

    assert (parsed.total, parsed.currency) == ("12.30", "PLN")
    (request,) = llm_server.requests
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == MODEL
    assert request.body["response_format"]["type"] == "json_schema"
    assert request.body["response_format"]["json_schema"]["strict"] is True
    report = usage.report()
    assert report is not None
    assert (report.calls, report.prompt_tokens, report.completion_tokens) == (1, 1000, 200)
    assert report.cost_usd == pytest.approx(1000 * 2.5 / 1e6 + 200 * 10.0 / 1e6)


async def test_without_prices_the_cost_is_unknown(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(answer(RECEIPT))
    provider = provider_factory()
    usage = provider.usage()
    await ask(provider, receipt_shape(), MESSAGES, usage)
    report = usage.report()
    assert report is not None
    assert report.cost_usd is None


async def test_5xx_answers_are_retried_until_one_succeeds(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(error(500), error(503), answer(RECEIPT))
    provider = provider_factory(max_attempts=3)

    parsed = await ask(provider, receipt_shape(), MESSAGES, provider.usage())

    assert parsed.total == "12.30"
    assert len(llm_server.requests) == 3
    assert provider.breaker.state == "closed"


async def test_a_429_retry_waits_at_least_what_retry_after_asks(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(error(429, retry_after="1"), answer(RECEIPT))
    provider = provider_factory(backoff_base_s=0.0)

    await ask(provider, receipt_shape(), MESSAGES, provider.usage())

    first, second = llm_server.requests
    assert first.answered_at is not None
    assert second.at - first.answered_at >= 1.0


async def test_a_retry_after_beyond_the_longest_wait_fails_the_step_at_once(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(error(429, retry_after="120"))
    provider = provider_factory(backoff_max_s=2.0)
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="asked to wait 120 s"):
        await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert time.monotonic() - started < 2.0
    assert len(llm_server.requests) == 1


async def test_a_slow_endpoint_times_out_on_every_attempt_and_the_step_fails_transiently(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.default = Reply(content="{}", delay_s=5.0)
    provider = provider_factory(timeout_s=0.3, max_attempts=2)

    with pytest.raises(LlmUnavailable, match="2 attempts") as raised:
        await ask(provider, receipt_shape(), MESSAGES, provider.usage())

    assert raised.value.code == "llm_unavailable"
    assert llm_server.wait_until(
        lambda: (
            len(llm_server.requests) == 2
            and all(r.disconnected_at is not None for r in llm_server.requests)
        )
    )


async def test_a_4xx_is_not_retried_and_fails_the_step_permanently(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(error(400))
    provider = provider_factory()
    with pytest.raises(LlmRejected, match="400"):
        await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert len(llm_server.requests) == 1
    assert provider.breaker.state == "closed"


async def test_the_breaker_opens_fails_fast_then_lets_one_trial_through(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    now = [0.0]
    llm_server.default = error(500)
    provider = provider_factory(
        clock=lambda: now[0], max_attempts=2, breaker_failures=3, breaker_open_s=30.0
    )
    for _ in range(2):  # 2 calls x 2 attempts: the breaker opens at the third failure
        with pytest.raises(LlmUnavailable):
            await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert len(llm_server.requests) == 3
    assert provider.breaker.state == "open"

    now[0] += 29.0
    with pytest.raises(LlmUnavailable, match="circuit breaker is open"):
        await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert len(llm_server.requests) == 3  # failed fast: nothing was sent

    now[0] += 1.0
    llm_server.default = answer(RECEIPT)
    parsed = await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert parsed.total == "12.30"
    assert len(llm_server.requests) == 4  # the one trial
    assert provider.breaker.state == "closed"


async def test_an_invalid_answer_gets_one_repair_turn_quoting_the_errors(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(Reply(content='{"total": "12,30"'), answer(RECEIPT))
    provider = provider_factory()
    usage = provider.usage()

    parsed = await ask(provider, receipt_shape(), MESSAGES, usage)

    assert parsed.total == "12.30"
    first, repair = llm_server.requests
    turns = repair.body["messages"]
    assert turns[:-2] == first.body["messages"]
    assert turns[-2] == {"role": "assistant", "content": '{"total": "12,30"'}
    assert "does not match the JSON schema" in turns[-1]["content"]
    report = usage.report()
    assert report is not None
    assert report.calls == 2


async def test_a_second_invalid_answer_fails_the_step_permanently(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.default = answer({"total": "twelve"})
    provider = provider_factory()
    with pytest.raises(LlmInvalidAnswer, match="total") as raised:
        await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert raised.value.code == "llm_invalid_answer"
    assert len(llm_server.requests) == 2


async def test_a_malformed_http_body_is_retried_like_a_failed_request(
    llm_server: LlmServer, provider_factory: ProviderFactory
) -> None:
    llm_server.then(Reply(body=b'{"choices": [ broken'), answer(RECEIPT))
    provider = provider_factory()
    parsed = await ask(provider, receipt_shape(), MESSAGES, provider.usage())
    assert parsed.total == "12.30"
    assert len(llm_server.requests) == 2
