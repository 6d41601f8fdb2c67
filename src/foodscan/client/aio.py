"""``AsyncClient``: the foodscan HTTP API from asyncio code; the one implementation of the client.

It builds requests, turns problem documents into ``ClientError`` and answers into the server's
own models. ``Client`` (``client/sync.py``) runs it for blocking code. It never imports the app.
A submit refused by the plan's limits (``429``) can wait its ``Retry-After`` and try again,
within the seconds the caller allows (``wait_on_limit``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import ValidationError

from foodscan.client.errors import ClientError, from_response, unreachable
from foodscan.client.models import (
    TERMINAL,
    Event,
    FullJobPage,
    JobOut,
    JobPage,
    JobSummary,
    Readiness,
    Rescanned,
    Status,
    Submitted,
)
from foodscan.client.stream import follow

logger = logging.getLogger(__name__)

DEFAULT_SERVER = "http://127.0.0.1:8000"
MAX_PAGE = 100
LIMITED = 429
# The shortest wait before a refused submit is sent again, whatever Retry-After says (a proxy's
# "0" must not make a busy loop).
MIN_LIMIT_WAIT_S = 1.0
# One file to upload: a path, raw bytes, or a (file name, bytes) pair.
Upload = str | os.PathLike[str] | bytes | tuple[str, bytes]


def _uploads(files: Upload | Sequence[Upload]) -> Sequence[Upload]:
    """One upload as a batch of one; a ``(name, bytes)`` pair is one upload, not two."""
    if isinstance(files, str | bytes | os.PathLike):
        return [files]
    if isinstance(files, tuple) and len(files) == 2 and isinstance(files[1], bytes):
        return [(str(files[0]), files[1])]
    return files


async def _read(upload: Upload) -> tuple[str, bytes]:
    if isinstance(upload, tuple):
        return upload
    if isinstance(upload, bytes):
        return "upload", upload
    path = Path(upload)
    return path.name, await asyncio.to_thread(path.read_bytes)


def _limit_wait(error: ClientError, deadline: float) -> float | None:
    """How long to wait before sending a submit refused with ``error`` again; None: raise it
    (not a 429 with Retry-After, or the wait would end after ``deadline``)."""
    if error.status != LIMITED or error.retry_after is None:
        return None
    wait = max(error.retry_after, MIN_LIMIT_WAIT_S)
    return wait if time.monotonic() + wait <= deadline else None


def _form(
    kind: str,
    lang: str | None,
    options: dict[str, Any] | None,
    metadata: dict[str, Any] | None,
    rescan: bool,
) -> dict[str, str]:
    form = {"kind": kind}
    if rescan:
        form["rescan"] = "true"
    if lang is not None:
        form["lang"] = lang
    if options is not None:
        form["options"] = json.dumps(options)
    if metadata is not None:
        form["metadata"] = json.dumps(metadata)
    return form


class AsyncClient:
    """A foodscan server at ``server`` (the local embedded one by default), as user ``token``.

    Use it as ``async with AsyncClient() as client:`` or call ``aclose()``. Every method raises
    ``ClientError`` when the server refuses (``code``, ``status``, ``detail``) or is unreachable.
    """

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        reconnect_timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.reconnect_timeout = reconnect_timeout
        self._http = httpx.AsyncClient(
            base_url=server.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def _send(
        self, method: str, path: str, *, ok: frozenset[int] = frozenset(), **kwargs: Any
    ) -> httpx.Response:
        # Any: httpx's request keyword arguments, passed through unchanged.
        request = self._http.build_request(method, path, **kwargs)
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            raise unreachable(request, exc) from exc
        if response.status_code >= 400 and response.status_code not in ok:
            raise from_response(response)
        return response

    async def submit(
        self,
        files: Upload | Sequence[Upload],
        kind: str = "receipt",
        *,
        lang: str | None = None,
        options: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        rescan: bool = False,
        wait_on_limit: float = 0.0,
    ) -> Submitted:
        """Upload ``files`` (one, or several for ``products``) as a job of ``kind``; queued at once.

        A repeat with the same ``idempotency_key`` (or, without one, the same files and options)
        answers with the earlier job (``duplicate`` is then true); ``rescan=True`` runs the same
        files again instead (an ``idempotency_key`` replay still answers the earlier job).
        Refused by the plan's limits (429), it raises at once, or, with ``wait_on_limit``
        seconds, waits each ``Retry-After`` and sends it again as long as the waits end within
        that many seconds from now; then the last refusal is raised.
        """
        uploads = [await _read(upload) for upload in _uploads(files)]
        response = await self._send_waiting(
            "/v1/jobs",
            wait_on_limit,
            data=_form(kind, lang, options, metadata, rescan),
            files=[("file", upload) for upload in uploads],
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else {},
        )
        return Submitted.answered(response.content, response.status_code)

    async def rescan(
        self, job_id: str, *, idempotency_key: str | None = None, wait_on_limit: float = 0.0
    ) -> Rescanned:
        """Scan a finished job again: a new job of the same kind, options and metadata, reading
        the uploads the server kept (no file is sent; ``410 inputs_purged`` once they are past
        the upload retention). ``rescan_of`` names ``job_id``; ``idempotency_key`` and
        ``wait_on_limit`` work as for ``submit``."""
        response = await self._send_waiting(
            f"/v1/jobs/{job_id}/rescan",
            wait_on_limit,
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else {},
        )
        return Rescanned.answered(response.content, response.status_code)

    async def _send_waiting(self, path: str, wait_on_limit: float, **kwargs: Any) -> httpx.Response:
        """POST ``path``; refused by the plan's limits, send it again after each Retry-After
        while the waits end within ``wait_on_limit`` seconds from now (Any: as ``_send``)."""
        deadline = time.monotonic() + wait_on_limit
        while True:
            try:
                return await self._send("POST", path, **kwargs)
            except ClientError as exc:
                wait = _limit_wait(exc, deadline)
                if wait is None:
                    raise
                logger.info("%s refused (%s); sending it again in %.1f s", path, exc.code, wait)
                await asyncio.sleep(wait)

    async def get(self, job_id: str) -> JobOut:
        """The job now: status, step, progress, result or error, queue position while queued."""
        response = await self._send("GET", f"/v1/jobs/{job_id}")
        return JobOut.model_validate_json(response.content)

    async def list(
        self,
        *,
        status: Status | str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        full: bool = False,
    ) -> AsyncGenerator[JobSummary, None]:
        """Your jobs, newest first, page after page; at most ``limit`` of them (all if None).

        Each is a ``JobSummary`` (state and ``summary``, no result); with ``full=True`` each is a
        ``JobOut`` with its result (``get`` reads one job in full)."""
        params: dict[str, str | int] = {"full": "true"} if full else {}
        model = FullJobPage if full else JobPage
        if status is not None:
            params["status"] = str(status)
        if kind is not None:
            params["kind"] = kind
        left = limit
        while left is None or left > 0:
            params["limit"] = MAX_PAGE if left is None else min(left, MAX_PAGE)
            response = await self._send("GET", "/v1/jobs", params=params)
            page = model.model_validate_json(response.content)
            for job in page.items[:left]:
                yield job
            if left is not None:
                left -= len(page.items)
            if page.next_cursor is None or not page.items:
                return
            params["cursor"] = page.next_cursor

    async def cancel(self, job_id: str) -> JobOut:
        """Cancel: a queued job at once; a running one stops within a second (status follows)."""
        response = await self._send("DELETE", f"/v1/jobs/{job_id}")
        return JobOut.model_validate_json(response.content)

    async def retry(self, job_id: str) -> JobOut:
        """Queue a failed or cancelled job again from its stored uploads."""
        response = await self._send("POST", f"/v1/jobs/{job_id}/retry")
        return JobOut.model_validate_json(response.content)

    async def ready(self) -> Readiness:
        """The server's readiness: database, live workers, queue depth per lane (also when 503)."""
        response = await self._send("GET", "/readyz", ok=frozenset({503}))
        try:
            return Readiness.model_validate_json(response.content)
        except ValidationError:  # a 503 from something in front of foodscan
            raise from_response(response) from None

    def events(
        self, job_id: str | None = None, *, after: int | None = None
    ) -> AsyncGenerator[Event, None]:
        """One job's events (its history, then live, until it is over), or all your jobs' (endless).

        Starts after event id ``after``. Without one, a job's stream starts at its first event
        and the user's stream starts now: the latest event of each unfinished job, then live
        ones (``after=0``: every event kept). Reconnects on its own with ``Last-Event-ID``
        after a dropped connection and never yields an event twice.
        """
        if job_id is None:
            return follow(
                self._http, "/v1/events", after=after, ends=None, give_up_s=self.reconnect_timeout
            )

        async def finished() -> bool:
            return (await self.get(job_id)).status in TERMINAL

        return follow(
            self._http,
            f"/v1/jobs/{job_id}/events",
            after=after,
            ends=finished,
            give_up_s=self.reconnect_timeout,
        )

    async def wait(self, job_id: str, timeout: float | None = None) -> JobOut:  # noqa: ASYNC109 - the blocking Client has no other way to bound it
        """Follow the job until it ends and return it; ``TimeoutError`` after ``timeout`` s."""
        try:
            async with asyncio.timeout(timeout):
                async with aclosing(self.events(job_id)) as events:
                    async for _ in events:
                        pass  # the stream ends once the job is over
                return await self.get(job_id)
        except TimeoutError:
            raise TimeoutError(f"job {job_id} did not end within {timeout:g} s") from None
