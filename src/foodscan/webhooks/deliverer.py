"""The deliverer: a worker-process task that sends due webhook deliveries and records each try.

A delivery (a row written with the job's terminal event) is claimed under a lease, signed per
Standard Webhooks with a fresh timestamp, POSTed with httpx (timeouts, no redirects, the
response body unread) and its attempt recorded: a 2xx delivers it; anything else — an error
status, a timeout, a refused connection, a name that does not resolve — tries again after an
exponential backoff with jitter, until ``FOODSCAN_WEBHOOK_MAX_ATTEMPTS`` attempts failed. A
URL that now resolves to a refused address, a request httpx cannot send (``InvalidURL`` and
the like), or a ``410 Gone``, fails it at once. A worker that dies mid-attempt leaves the
lease to run out; any worker then sends it again (at least once: receivers dedupe on
``webhook-id``, which stays the same on every retry).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

import foodscan
from foodscan.errors import CallbackUnresolvable, InvalidCallbackUrl
from foodscan.retry import backoff_delay
from foodscan.settings import KindPolicy, Settings
from foodscan.webhooks import signing
from foodscan.webhooks.outbox import DELIVERED, FAILED, PENDING, Attempt, Delivery, DeliveryQueue
from foodscan.webhooks.targets import checked_address, pinned

logger = logging.getLogger(__name__)

LEASE_MARGIN_S = 30.0  # beyond the request timeout, before another worker may take the row over
BATCH = 20  # deliveries sent in a row before the loop looks up again
# Errors of the request itself, not of the network or the receiver: never worth another try.
# (InvalidURL is no HTTPError: uncaught, it left the row leased and retried it forever.)
_UNSENDABLE = (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def _now() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    """Sends due deliveries, one at a time; ``run`` loops until cancelled."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.queue = DeliveryQueue(engine, lease_s=settings.webhook_timeout_s + LEASE_MARGIN_S)
        secret = settings.webhook_secret
        self.key = signing.secret_key(secret.get_secret_value()) if secret else None
        # The retry schedule has the shape of a job kind's: exponential, capped, jittered.
        self.policy = KindPolicy(
            max_attempts=settings.webhook_max_attempts,
            backoff_base_s=settings.webhook_backoff_base_s,
            backoff_max_s=settings.webhook_backoff_max_s,
        )
        self._transport = transport
        self._client: httpx.AsyncClient | None = None  # made on first use: it costs ~50 ms
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        """Whether this process can sign, so sends webhooks (``FOODSCAN_WEBHOOK_SECRET``)."""
        return self.key is not None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.webhook_timeout_s),
                follow_redirects=False,  # a redirect could lead past the address check
                transport=self._transport,
                headers={"user-agent": f"foodscan/{getattr(foodscan, '__version__', '0')}"},
            )
        return self._client

    def start(self) -> None:
        """Run ``run`` in a task of this process until ``stop``."""
        self._task = asyncio.create_task(self.run(), name="foodscan-webhooks")

    async def stop(self) -> None:
        """Let the attempt in flight finish and be recorded (at most the request timeout),
        then stop the task and close the HTTP client."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.webhook_timeout_s + 1):
                    await asyncio.wait({self._task})
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.close()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self) -> None:
        """Deliver what is due, then wait ``FOODSCAN_WEBHOOK_POLL_S`` when nothing was."""
        while not self._stopping.is_set():
            try:
                sent = await self.deliver_due()
            except Exception:
                logger.exception("webhook delivery loop failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.webhook_poll_s):
                        await self._stopping.wait()

    async def deliver_due(self) -> int:
        """Send up to ``BATCH`` due deliveries; returns how many were tried."""
        tried = 0
        while (
            tried < BATCH
            and not self._stopping.is_set()
            and (delivery := await self.queue.claim()) is not None
        ):
            await self.deliver(delivery)
            tried += 1
        return tried

    async def deliver(self, delivery: Delivery) -> Delivery | None:
        """One attempt at a claimed delivery, recorded; None if its lease was lost meanwhile."""
        attempt, retry = await self._attempt(delivery)
        number = len(delivery.attempts) + 1
        next_at = attempt.at
        if attempt.error is None:
            state = DELIVERED
        elif retry and number < self.policy.max_attempts:
            state = PENDING
            next_at += timedelta(seconds=backoff_delay(self.policy, number))
        else:
            state = FAILED
        extra = {"job_id": delivery.job_id, "webhook_id": delivery.id}
        if state == FAILED:
            logger.warning(
                "webhook failed after %d attempt(s): %s", number, attempt.error, extra=extra
            )
        recorded = await self.queue.record(delivery, attempt, state=state, next_attempt_at=next_at)
        if recorded is None:
            logger.warning("webhook lease lost; the attempt was not recorded", extra=extra)
        return recorded

    async def _attempt(self, delivery: Delivery) -> tuple[Attempt, bool]:
        """POST once: the attempt and whether another one may succeed."""
        now = _now()
        try:
            address = await checked_address(
                delivery.url, allow_private=self.settings.webhook_allow_private
            )
        except CallbackUnresolvable as exc:
            return Attempt(now, None, exc.message), True
        except InvalidCallbackUrl as exc:
            return Attempt(now, None, exc.message), False
        if self.key is None:
            return Attempt(now, None, "this worker has no FOODSCAN_WEBHOOK_SECRET"), True
        headers = signing.headers(self.key, delivery.id, int(now.timestamp()), delivery.body)
        headers["content-type"] = "application/json"
        target = pinned(delivery.url, address)  # to the checked address, not a fresh lookup
        headers["host"] = target.host_header
        try:
            request = self._http().stream(
                "POST",
                target.url,
                content=delivery.body.encode(),
                headers=headers,
                extensions=target.extensions,
            )
            async with request as response:  # the status is enough: the body is never read
                status = response.status_code
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # The same unsendable request fails the same way on every attempt: no retry.
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            return Attempt(now, None, error), not isinstance(exc, _UNSENDABLE)
        if response.is_success:
            return Attempt(now, status, None), True
        return Attempt(now, status, f"HTTP {status}"), status != HTTPStatus.GONE
