"""A circuit breaker around the LLM endpoint, shared by every job of one worker.

Closed: calls go through; ``failures`` failed requests in a row open it. Open: every call fails
at once (``LlmUnavailable``) for ``open_s`` seconds. Then half-open: one trial call goes
through while the others still fail fast; its success closes the breaker, its failure opens it
for another ``open_s``. A request the endpoint answered at all (even with a 4xx) is a success.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from foodscan.errors import LlmUnavailable

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts consecutive failures of one endpoint and refuses calls while it is open."""

    def __init__(
        self, failures: int, open_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = failures
        self.open_s = open_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._trial or self._clock() - self._opened_at >= self.open_s:
            return "half_open"
        return "open"

    def before(self) -> None:
        """Let a call through, or raise ``LlmUnavailable`` while open (or while a half-open
        trial is in flight)."""
        if self._opened_at is None:
            return
        left = self.open_s - (self._clock() - self._opened_at)
        if left > 0:
            raise LlmUnavailable(
                f"the LLM's circuit breaker is open after {self.threshold} failures in a row; "
                f"it lets a trial call through in {left:.1f} s"
            )
        if self._trial:
            raise LlmUnavailable("the LLM's circuit breaker is half-open: a trial call is running")
        self._trial = True

    def succeeded(self) -> None:
        """The endpoint answered: close the breaker."""
        self._failures = 0
        self._opened_at = None
        self._trial = False

    def failed(self) -> None:
        """A request failed (timeout, connection, 429, 5xx): count it; open at the threshold
        or when the half-open trial failed."""
        self._failures += 1
        if self._trial or self._failures >= self.threshold:
            self._opened_at = self._clock()
            self._trial = False

    def abandoned(self) -> None:
        """A call was cancelled before it told anything: a trial slot goes to the next call."""
        self._trial = False
