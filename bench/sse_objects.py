"""Objects the garbage collector tracks per open event stream, and which types they are.

The API runs in this process (SQLite, no worker, the start-up freeze of ``foodscan serve``);
``--streams`` plain blocking sockets (in a thread: they add no tracked objects of their own to
the count that matters) open ``GET /v1/events`` and read the response head; then
``len(gc.get_objects())`` with them open, minus before, over N, and the types that grew most.
Then they close: how many frozen objects reference counting freed, and the cyclic garbage a
full collection finds (what a frozen closed stream leaves until the schedule's sweep). With
``--rounds``: streams opened and closed repeatedly under ``foodscan.collector``'s schedule, the
objects and RSS after each round (``--no-sweep``: freezes only, to see what sweeps reclaim).

    python bench/sse_objects.py [--streams 2000] [--top 25] [--rounds 5 [--no-sweep]]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import socket
import tempfile
from pathlib import Path
from typing import Any

import servers
import uvicorn


def _rss_kb() -> int:
    """This process's resident memory now (``VmRSS``), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _types() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def _open(port: int, token: str, count: int) -> list[socket.socket]:
    request = (
        f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(request)
        head = b""
        while b"retry:" not in head:
            head += sock.recv(4096)
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise SystemExit(f"stream refused: {head[:200]!r}")
        opened.append(sock)
    return opened


async def _measure(args: argparse.Namespace) -> None:
    from foodscan.auth import mint_token  # noqa: PLC0415
    from foodscan.serve import create_app  # noqa: PLC0415
    from foodscan.settings import Settings  # noqa: PLC0415

    servers.raise_nofile(args.streams * 2 + 1000)
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), secret_key="x" * 32)
    token = mint_token(settings, "user1", "paid")
    port = servers.free_port()
    config = uvicorn.Config(
        create_app(settings, run_worker=False), port=port, log_level="warning", backlog=4096
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server has a flag, no event
        await asyncio.sleep(0.05)
    warm = await asyncio.to_thread(_open, port, token, 1)
    warm[0].close()
    await asyncio.sleep(0.5)
    gc.collect()
    gc.freeze()
    base, before = len(gc.get_objects()), _types()
    socks = await asyncio.to_thread(_open, port, token, args.streams)
    await asyncio.sleep(1.0)
    gc.collect()
    grown = _types() - before
    per = (len(gc.get_objects()) - base) / args.streams
    print(f"tracked objects per open stream: {per:.1f}")  # noqa: T201 - the probe's report
    for name, n in grown.most_common(args.top):
        print(f"  {n / args.streams:6.2f}  {name}")  # noqa: T201
    gc.freeze()  # what the serving process's collector schedule does with open streams
    frozen = gc.get_freeze_count()
    print(f"frozen with the streams open: {frozen}")  # noqa: T201
    for sock in socks:
        sock.close()
    del socks
    await asyncio.sleep(2.0)
    gc.collect()
    print(  # noqa: T201
        f"frozen objects freed by reference counting per closed stream: "
        f"{(frozen - gc.get_freeze_count()) / args.streams:.1f}"
    )
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    gc.set_debug(0)
    garbage = collections.Counter(type(o).__qualname__ for o in gc.garbage)
    print(  # noqa: T201
        f"cyclic garbage per closed stream left in the frozen set: "
        f"{len(gc.garbage) / args.streams:.1f}"
    )
    for name, n in garbage.most_common(args.top):
        print(f"  {n / args.streams:6.2f}  {name}")  # noqa: T201
    gc.garbage.clear()
    if args.rounds:
        await _rounds(args, port, token, config.app.state.hub)
    server.should_exit = True
    await serving


async def _rounds(
    args: argparse.Namespace, port: int, token: str, hub: Any
) -> None:  # Any: the Hub
    """Streams opened and closed ``--rounds`` times under the collector schedule (ticked after
    each opening and each closing): the tracked and frozen objects and the RSS after each
    round, with sweeps (the default rule) or, with ``--no-sweep``, freezes only."""
    from foodscan.collector import CollectorSchedule  # noqa: PLC0415

    never = {"min_closed": 10**12, "sweep_every_s": float("inf")} if args.no_sweep else {}
    schedule = CollectorSchedule(opened=lambda: hub.opened, closed=lambda: hub.closed, **never)
    gc.collect()
    gc.freeze()
    start_objects, start_rss = len(gc.get_objects()) + gc.get_freeze_count(), _rss_kb()
    for n in range(1, args.rounds + 1):
        socks = await asyncio.to_thread(_open, port, token, args.streams)
        await asyncio.sleep(0.5)
        schedule.tick()
        for sock in socks:
            sock.close()
        del socks
        await asyncio.sleep(1.0)
        did = schedule.tick()
        objects = len(gc.get_objects()) + gc.get_freeze_count() - start_objects
        print(  # noqa: T201
            f"round {n}: {did.value:6}  objects +{objects} "
            f"({objects / (n * args.streams):.2f} per closed stream), "
            f"RSS +{_rss_kb() - start_rss} KB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=0, help="open/close rounds (schedule)")
    parser.add_argument("--no-sweep", action="store_true", help="rounds with freezes only")
    asyncio.run(_measure(parser.parse_args()))


if __name__ == "__main__":
    main()
