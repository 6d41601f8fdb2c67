"""``GET /metrics``: Prometheus text exposition of this process's ``Metrics``.

Who may scrape: with ``FOODSCAN_METRICS_TOKEN`` set, any client sending
``Authorization: Bearer <that token>`` (user tokens do not count: metrics describe every user's
jobs); without it, only clients on loopback. A reverse proxy on the same host makes every client
look local, so such a deployment sets the token (or does not route ``/metrics``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from foodscan.api import examples
from foodscan.api.deps import EngineDep, MetricsDep, SettingsDep
from foodscan.api.problems import documented
from foodscan.auth import is_loopback
from foodscan.errors import AuthError
from foodscan.jobs import sql
from foodscan.settings import Settings

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

DATABASE_TIMEOUT_S = 3.0


def authorize(request: Request, settings: Settings) -> None:
    """Let the scrape through, or raise ``AuthError``."""
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        given = request.headers.get("Authorization", "").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise AuthError("/metrics needs 'Authorization: Bearer <FOODSCAN_METRICS_TOKEN>'")
        return
    client = request.client.host if request.client is not None else ""
    if not is_loopback(client):
        raise AuthError(
            "/metrics answers only loopback clients unless FOODSCAN_METRICS_TOKEN is set"
        )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"example": examples.METRICS_EXAMPLE}},
            "description": "Prometheus text format",
        },
        **documented(
            AuthError,
            details={
                AuthError.code: "/metrics answers only loopback clients unless "
                "FOODSCAN_METRICS_TOKEN is set"
            },
        ),
    },
)
async def metrics(
    request: Request, engine: EngineDep, settings: SettingsDep, instruments: MetricsDep
) -> Response:
    """Counters and histograms of this process, and queue depth read from the database now."""
    authorize(request, settings)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_S), engine.connect() as conn:
            counts: dict[tuple[str, str], int] | None = await sql.status_counts(conn)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        logger.warning("metrics: database unreachable: %s", exc)
        counts = None
    # No await between the update and the render: a concurrent scrape cannot interleave.
    instruments.queue.update(counts)
    return Response(generate_latest(instruments.registry), media_type=CONTENT_TYPE_LATEST)
