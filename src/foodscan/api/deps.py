"""FastAPI dependencies: what the lifespan built (on ``app.state``) and the current principal.

Nothing here builds anything; ``api/app.py`` does, once. Every dependency is ``async`` so FastAPI
calls it on the event loop instead of a thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine

from foodscan.auth import Principal, authenticate
from foodscan.blobs import BlobStore
from foodscan.events.hub import Hub
from foodscan.jobs.store import JobStore
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


SettingsDep = Annotated[Settings, Depends(_settings)]
EngineDep = Annotated[AsyncEngine, Depends(_engine)]
StoreDep = Annotated[JobStore, Depends(_store)]
HubDep = Annotated[Hub, Depends(_hub)]
BlobsDep = Annotated[BlobStore, Depends(_blobs)]


async def _principal(
    request: Request,
    settings: SettingsDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return authenticate(settings, request.headers.get("Authorization"))


PrincipalDep = Annotated[Principal, Depends(_principal)]
