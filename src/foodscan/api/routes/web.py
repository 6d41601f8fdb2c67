"""The web page: ``GET /`` (the HTML, with the server's kinds and limits) and its static files.

The page is plain HTML, native JavaScript modules (``app.js`` the entry) and one stylesheet
shipped in ``foodscan/web`` (inside the wheel); no build step and nothing fetched from
elsewhere. It talks to the public API only (``/v1/jobs``, ``/v1/events``), so it must not know
anything the API does not say: the one thing added here is a small JSON config (kinds, their
steps, the upload limits).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Request, Response

from foodscan.api.deps import SettingsDep
from foodscan.errors import NotFound
from foodscan.pipelines import registry
from foodscan.pipelines.kinds import ASK_LLM, Kind
from foodscan.settings import Settings

router = APIRouter(include_in_schema=False)

# The only files served: those in foodscan/web with these suffixes (the page's modules, its
# stylesheet, its icon). Nothing else in the package is reachable from here.
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CONFIG_MARK = "{{config}}"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """A file's bytes and its validator, read once per process."""

    body: bytes
    etag: str


@cache
def _served() -> dict[str, str]:
    """Each file of ``foodscan/web`` that is served, by name, with its media type."""
    folder = resources.files("foodscan") / "web"
    return {
        entry.name: MEDIA_TYPES[suffix]
        for entry in folder.iterdir()
        if entry.is_file() and (suffix := PurePosixPath(entry.name).suffix) in MEDIA_TYPES
    }


@cache
def _asset(name: str) -> Asset:
    body = (resources.files("foodscan") / "web" / name).read_bytes()
    return Asset(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def page_config(settings: Settings) -> dict[str, Any]:  # Any: JSON for the page
    """What the page needs to know of this server: kinds (accepted types, steps) and limits.

    Receipts come first: the page's kind picker starts on the first kind. Steps that cannot run
    here (the vision-LLM's, without a model configured for the kind) are left out."""
    kinds = []
    for kind in sorted(registry.kinds(), key=lambda k: (k != "receipt", k)):
        pipeline = registry.get(kind)
        kinds.append(
            {
                "kind": kind,
                "accepts": sorted(pipeline.accepts),
                "max_files": pipeline.max_files,
                "steps": [
                    {"name": s.name, "label": s.message}
                    for s in pipeline.steps
                    if _runs(s.name, pipeline, settings)
                ],
            }
        )
    return {
        "kinds": kinds,
        "max_upload_bytes": settings.max_upload_bytes,
        "auth": settings.secret_key is not None,
    }


def _runs(step: str, pipeline: Kind, settings: Settings) -> bool:
    return step != ASK_LLM or (settings.llm_enabled and pipeline.kind in settings.llm_kinds)


def _embed(config: dict[str, Any]) -> str:  # Any: JSON
    # Inside <script type="application/json">: "<" escaped so no "</script>" can close it.
    return json.dumps(config, separators=(",", ":")).replace("<", "\\u003c")


@router.get("/")
async def index(settings: SettingsDep) -> Response:
    """The page, with this server's config embedded; revalidated on every load."""
    html = _asset("index.html").body.decode().replace(CONFIG_MARK, _embed(page_config(settings)))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache", **SECURITY_HEADERS},
    )


@router.get("/web/{name}")
async def asset(name: str, request: Request) -> Response:
    """One of the page's static files; ``304`` when the browser's copy is current."""
    media_type = _served().get(name)
    if media_type is None:
        raise NotFound(f"no such file: {name}")
    found = _asset(name)
    headers = {"ETag": found.etag, "Cache-Control": "no-cache", **SECURITY_HEADERS}
    if request.headers.get("if-none-match") == found.etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=media_type, headers=headers)
