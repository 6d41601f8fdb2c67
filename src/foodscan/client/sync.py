"""``Client``: ``AsyncClient`` for blocking code, run on a private event-loop thread.

Each method is ``AsyncClient``'s own, wrapped (``_blocking``, ``_iterating``): no request is built
here, so the two cannot drift apart. Works inside a running event loop too (a notebook), since
the coroutines run on the client's own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from foodscan.client.aio import DEFAULT_SERVER, AsyncClient

P = ParamSpec("P")
T = TypeVar("T")


class _LoopThread:
    """An event loop running forever on a daemon thread; ``run`` blocks until a coroutine ends."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="foodscan-client", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:  # Any: any coroutine's send/throw types
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # e.g. Ctrl-C while waiting: stop the coroutine as well
            raise

    def iterate(self, agen: AsyncGenerator[T, None]) -> Iterator[T]:
        async def step() -> T:
            return await anext(agen)

        try:
            while True:
                try:
                    yield self.run(step())
                except StopAsyncIteration:
                    return
        finally:
            if not self.loop.is_closed():
                with contextlib.suppress(RuntimeError):  # still running after an interrupt
                    self.run(agen.aclose())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def _blocking(
    method: Callable[Concatenate[AsyncClient, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Client, P], T]:
    @functools.wraps(method)
    def call(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._runner.run(method(self._client, *args, **kwargs))

    return call


def _iterating(
    method: Callable[Concatenate[AsyncClient, P], AsyncGenerator[T, None]],
) -> Callable[Concatenate[Client, P], Iterator[T]]:
    @functools.wraps(method)
    def call(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        return self._runner.iterate(method(self._client, *args, **kwargs))

    return call


class Client:
    """A foodscan server at ``server`` for blocking code; the methods of ``AsyncClient``.

    Use it as ``with Client() as client:`` or call ``close()``. Iterators (``list``, ``events``)
    are lazy; leaving one early closes its connection.
    """

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        reconnect_timeout: float = 60.0,
    ) -> None:
        self._runner = _LoopThread()
        self._client = AsyncClient(
            server, token=token, timeout=timeout, reconnect_timeout=reconnect_timeout
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the client's thread."""
        if not self._runner.loop.is_closed():
            self._runner.run(self._client.aclose())
            self._runner.close()

    submit = _blocking(AsyncClient.submit)
    get = _blocking(AsyncClient.get)
    list = _iterating(AsyncClient.list)
    cancel = _blocking(AsyncClient.cancel)
    retry = _blocking(AsyncClient.retry)
    rescan = _blocking(AsyncClient.rescan)
    ready = _blocking(AsyncClient.ready)
    wait = _blocking(AsyncClient.wait)
    events = _iterating(AsyncClient.events)
