"""``create_api``: the FastAPI application, its routes and error handlers, and the SSE streams'
endpoint in front of them.

It builds nothing that lives longer than a request: the engine, bus, blob store, job store and
capabilities come from the composition root (``foodscan.serve``), whose lifespan puts them on
``app.state`` before the first request. This module never imports the worker or the OCR stack.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

import foodscan
from foodscan.api import openapi, problems
from foodscan.api.guard import Guard
from foodscan.api.routes import events, health, jobs, metrics, previews, rescan, web, ws
from foodscan.api.sse_beats import Beats
from foodscan.api.sse_endpoint import EventStreams
from foodscan.metrics import Metrics
from foodscan.settings import Settings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_api(
    settings: Settings,
    *,
    instruments: Metrics,
    lifespan: Lifespan,
) -> FastAPI:
    """The API configured by ``settings``; ``lifespan`` starts and stops what it serves from.

    ``/docs`` (Swagger UI) and ``/redoc`` load their scripts from this server, not a CDN."""
    app = FastAPIOffline(
        title="foodscan",
        version=getattr(foodscan, "__version__", "0"),
        summary="Background recognition of receipts, product photos and recipes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = instruments
    app.state.sse_beats = Beats(settings.sse_heartbeat_s)
    app.add_middleware(Guard, settings=settings)
    problems.install(app)
    openapi.install(app)
    app.include_router(jobs.router)
    app.include_router(rescan.router)
    app.include_router(previews.router)
    app.include_router(events.router)
    app.include_router(ws.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(web.router)
    # Built now, not at the first request: a stream's GET is handed to ``EventStreams`` before
    # the framework's middlewares and router (``api/sse_endpoint.py``). Nothing may add a
    # middleware or an error handler after this (Starlette refuses a late middleware).
    app.middleware_stack = EventStreams(app.build_middleware_stack(), settings)
    return app
