"""The LLM provider: one ``openai.AsyncOpenAI`` client for an OpenAI-compatible endpoint, with our
own retries, backoff and circuit breaker around it.

Each request has the configured timeout. Timeouts, connection errors, 429 and 5xx answers are
retried up to ``max_attempts`` times, waiting by ``backoff.delay`` and never less than the
server's ``Retry-After``; then the call fails with ``LlmUnavailable`` (transient: the job is
retried later). A wait asked for beyond ``backoff_max_s`` fails at once the same way. Any other
4xx fails with ``LlmRejected`` (permanent). The SDK's own retries are off (``max_retries=0``)
so that these rules are the only ones. Cancelling the awaiting task aborts the HTTP request in
flight. Built once per worker (``build_provider``), closed when the worker stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from foodscan.errors import LlmRejected, LlmUnavailable
from foodscan.llm.backoff import delay, retry_after
from foodscan.llm.breaker import CircuitBreaker
from foodscan.llm.usage import Prices, Usage
from foodscan.settings import Settings

if TYPE_CHECKING:  # the openai package is the [llm] extra, imported when a provider is built
    import openai
    from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
    from openai.types.shared_params import ResponseFormatJSONSchema

    Messages: TypeAlias = Sequence[ChatCompletionMessageParam]

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
TOO_MANY_REQUESTS = 429
SERVER_ERRORS = 500


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """The provider's settings (``FOODSCAN_LLM_*``)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 60.0
    max_attempts: int = 3
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    kinds: frozenset[str] = frozenset({"products", "receipt", "recipe"})
    min_confidence: float = 0.6
    max_image_side: int = 1568
    breaker_failures: int = 5
    breaker_open_s: float = 30.0
    prices: Prices = field(default_factory=Prices)

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmConfig | None:
        """The configuration, or ``None`` when no LLM is configured (the default)."""
        if not (settings.llm_base_url and settings.llm_model):
            return None
        key = settings.llm_api_key
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key.get_secret_value() if key is not None else None,
            timeout_s=settings.llm_timeout_s,
            max_attempts=settings.llm_max_attempts,
            backoff_base_s=settings.llm_backoff_base_s,
            backoff_max_s=settings.llm_backoff_max_s,
            kinds=frozenset(settings.llm_kinds),
            min_confidence=settings.llm_min_confidence,
            max_image_side=settings.llm_max_image_side,
            breaker_failures=settings.llm_breaker_failures,
            breaker_open_s=settings.llm_breaker_open_s,
            prices=Prices(settings.llm_price_input_per_mtok, settings.llm_price_output_per_mtok),
        )


@dataclass(frozen=True, slots=True)
class Completion:
    """One answer: the message text (``None`` for a refusal), why it ended, the tokens."""

    text: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int

    @classmethod
    def of(cls, response: ChatCompletion) -> Completion:
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        return cls(
            text=choice.message.content if choice else None,
            finish_reason=choice.finish_reason if choice else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )


class LlmMissing(RuntimeError):
    """An LLM is configured and the ``[llm]`` extra (the openai package) is not installed."""


class LlmProvider:
    """Chat completions from one endpoint and model, for every job of a worker."""

    def __init__(
        self,
        config: LlmConfig,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.engine = f"llm:{config.model}"
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_open_s, clock)
        self._sleep = sleep
        try:
            import openai  # noqa: PLC0415 - the [llm] extra, only when an LLM is configured
        except ImportError as exc:
            raise LlmMissing(
                "FOODSCAN_LLM_BASE_URL is set but the openai package is not installed: "
                "pip install 'foodscan[llm]'"
            ) from exc
        self._openai = openai
        # Endpoints without keys (Ollama, vLLM) take any; the SDK insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "none",
            timeout=config.timeout_s,
            max_retries=0,
        )

    def wants(self, kind: str) -> bool:
        """Whether jobs of ``kind`` may call the model."""
        return kind in self.config.kinds

    def usage(self) -> Usage:
        """A fresh tally for one job."""
        return Usage(model=self.config.model, prices=self.config.prices)

    async def complete(
        self, messages: Messages, response_format: ResponseFormatJSONSchema, usage: Usage
    ) -> Completion:
        """One answer, retried as the module says; its tokens are added to ``usage``."""
        openai = self._openai
        attempts = self.config.max_attempts
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            self.breaker.before()
            try:
                response = await self._client.chat.completions.create(
                    model=self.config.model,
                    messages=messages,
                    response_format=response_format,
                )
            except asyncio.CancelledError:
                self.breaker.abandoned()
                raise
            except openai.APIStatusError as exc:
                if exc.status_code != TOO_MANY_REQUESTS and exc.status_code < SERVER_ERRORS:
                    self.breaker.succeeded()  # it is up; it refused this request
                    raise LlmRejected(
                        f"the LLM endpoint answered {exc.status_code}: {_brief(exc)}"
                    ) from exc
                self.breaker.failed()
                last, asked = f"HTTP {exc.status_code}", retry_after(exc.response.headers)
            # Timeouts and connection errors; a body that is not JSON (ValueError) as well.
            except (openai.APIError, ValueError) as exc:
                self.breaker.failed()
                last, asked = type(exc).__name__, None
            else:
                self.breaker.succeeded()
                completion = Completion.of(response)
                usage.add(completion.prompt_tokens, completion.completion_tokens)
                return completion
            if attempt == attempts:
                break
            await self._wait(attempt, asked, last)
        raise LlmUnavailable(f"the LLM did not answer in {attempts} attempts (last: {last})")

    async def _wait(self, attempt: int, asked: float | None, last: str) -> None:
        config = self.config
        if asked is not None and asked > config.backoff_max_s:
            raise LlmUnavailable(
                f"the LLM endpoint asked to wait {asked:g} s (more than "
                f"{config.backoff_max_s:g} s) after {last}"
            )
        pause = delay(
            attempt, base_s=config.backoff_base_s, max_s=config.backoff_max_s, asked_s=asked
        )
        logger.info("LLM attempt %d failed (%s); next in %.2f s", attempt, last, pause)
        await self._sleep(pause)

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()


def _brief(exc: openai.APIStatusError) -> str:
    return (exc.message or "")[:200]


def build_provider(settings: Settings) -> LlmProvider | None:
    """The provider the settings describe, or ``None`` (no LLM configured: the default)."""
    config = LlmConfig.from_settings(settings)
    return LlmProvider(config) if config is not None else None
