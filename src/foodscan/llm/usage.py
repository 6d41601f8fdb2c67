"""What one job spends on the vision-LLM: requests, tokens and (with prices configured) cost.

A ``Usage`` lives in the job's ``Context`` state for the length of one attempt; the result
carries its ``report`` (``recognition.provenance.LlmUsage``), or null when no call was made.
"""

from __future__ import annotations

from dataclasses import dataclass

from foodscan.recognition.provenance import LlmUsage

MTOK = 1_000_000


@dataclass(frozen=True, slots=True)
class Prices:
    """US dollars per million input (prompt) and output (completion) tokens; 0: unknown."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if not (self.input_per_mtok or self.output_per_mtok):
            return None
        spent = prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok
        return round(spent / MTOK, 6)


@dataclass
class Usage:
    """Requests answered and tokens counted for one job (repair turns included)."""

    model: str
    prices: Prices
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def report(self) -> LlmUsage | None:
        """What the result records; ``None`` when the job made no call."""
        if not self.calls:
            return None
        return LlmUsage(
            model=self.model,
            calls=self.calls,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=self.prices.cost(self.prompt_tokens, self.completion_tokens),
        )
