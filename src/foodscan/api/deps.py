"""FastAPI dependencies: what the lifespan built (on ``app.state``) and the current principal.

Nothing here builds anything; ``foodscan.serve`` does, once. Every dependency is ``async`` so
FastAPI calls it on the event loop instead of a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.api.capabilities import Capabilities
from foodscan.api.cursor import AfterQuery, LastEventIdHeader, resume_after
from foodscan.auth import Principal, authenticate
from foodscan.blobs import BlobStore
from foodscan.errors import AuthError
from foodscan.events.hub import Hub
from foodscan.jobs import tickets
from foodscan.jobs.store import JobStore
from foodscan.metrics import Metrics
from foodscan.settings import Settings

# Documents the scheme in OpenAPI; ``authenticate`` reads the header itself (and may not need it).
_bearer = HTTPBearer(auto_error=False, description="a token from `foodscan token`")


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def _store(request: Request) -> JobStore:
    store: JobStore = request.app.state.store
    return store


async def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _blobs(request: Request) -> BlobStore:
    blobs: BlobStore = request.app.state.blobs
    return blobs


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def _capabilities(request: Request) -> Capabilities:
    found: Capabilities = request.app.state.capabilities
    return found


SettingsDep = Annotated[Settings, Depends(_settings)]
CapabilitiesDep = Annotated[Capabilities, Depends(_capabilities)]
EngineDep = Annotated[AsyncEngine, Depends(_engine)]
StoreDep = Annotated[JobStore, Depends(_store)]
HubDep = Annotated[Hub, Depends(_hub)]
BlobsDep = Annotated[BlobStore, Depends(_blobs)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]


async def _principal(
    request: Request,
    settings: SettingsDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return authenticate(settings, request.headers.get("Authorization"))


PrincipalDep = Annotated[Principal, Depends(_principal)]


@dataclass(frozen=True, slots=True)
class Services:
    """What a submit uses of what the lifespan built, as one dependency: FastAPI solves each
    dependency of a request on its own, and a submit is the hot path."""

    settings: Settings
    store: JobStore
    blobs: BlobStore
    metrics: Metrics


async def _services(request: Request) -> Services:
    state = request.app.state
    return Services(state.settings, state.store, state.blobs, state.metrics)


ServicesDep = Annotated[Services, Depends(_services)]


@dataclass(frozen=True, slots=True)
class StreamAccess:
    """Who opens an event stream, the one job a ticket limits it to (None: any), and the
    cursor to resume after (None: the client sent none)."""

    principal: Principal
    only_job: str | None = None
    after: int | None = None


async def _stream_access(  # keyword-only: FastAPI fills every parameter by name
    *,
    request: Request,
    settings: SettingsDep,
    engine: EngineDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ticket: Annotated[
        str | None, Query(description="a ticket from POST /v1/events/tickets (browsers)")
    ] = None,
    after: AfterQuery = None,
    last_event_id: LastEventIdHeader = None,
) -> StreamAccess:
    """A ``?ticket=`` (redeemed once) or, without one, the ``Authorization`` header; the
    cursor is checked first, so a request refused for it does not spend its ticket."""
    cursor = resume_after(after, last_event_id)
    if ticket is None:
        principal = authenticate(settings, request.headers.get("Authorization"))
        return StreamAccess(principal, after=cursor)
    redeemed = await tickets.redeem(engine, ticket)
    if redeemed is None:
        raise AuthError("the ticket is unknown, used or expired; ask for a new one")
    return StreamAccess(Principal(redeemed.user_id, redeemed.plan), redeemed.job_id, cursor)


StreamAccessDep = Annotated[StreamAccess, Depends(_stream_access)]
