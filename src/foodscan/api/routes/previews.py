"""``GET /v1/jobs/{job_id}/inputs/{n}/preview``: a small picture of one uploaded file.

The page shows it beside the result, with the text boxes of the result drawn over it. It is
read from the stored upload (metadata already stripped at intake), decoded the way the worker
decodes it (EXIF orientation applied; a PDF's first page rendered under the PDFium lock), made
at most ``MAX_SIDE`` pixels on its longer side and sent as a fresh JPEG, which carries no
metadata at all. ``Foodscan-Page-Size`` says how large the page is that the result's
``lines[].box`` are measured on, so a client scales the boxes to the preview. Authorization is
the job's: another user's job, a job that does not exist and an input that is not there are
all 404; so are uploads already purged after the retention time, with a detail that says so.
"""

from __future__ import annotations

import asyncio
from io import BytesIO
from typing import Annotated

from fastapi import APIRouter, Path, Response
from PIL import Image

from foodscan.api.deps import BlobsDep, PrincipalDep, SettingsDep, StoreDep
from foodscan.api.problems import ROUTE_PROBLEMS, documented
from foodscan.errors import AuthError, InvalidInput, NotFound, UnsupportedType
from foodscan.recognition.reading.images import decode_image
from foodscan.recognition.reading.pdf import render_first_page

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=ROUTE_PROBLEMS)

MAX_SIDE = 1024
JPEG_QUALITY = 82
PAGE_SIZE_HEADER = "Foodscan-Page-Size"
_PICTURES = frozenset({"image/jpeg", "image/png", "image/webp"})
_PDF = "application/pdf"
_JPEG_EXAMPLE = "(JPEG bytes, at most 1024 px on the longer side)"


def _preview(data: bytes, media_type: str, max_pixels: int) -> tuple[bytes, tuple[int, int]]:
    """The preview's JPEG bytes and the size of the page the result's boxes are measured on."""
    if media_type == _PDF:
        image, page_size = render_first_page(data, max_side=MAX_SIDE)
    else:
        image = decode_image(data, max_pixels=max_pixels)
        page_size = image.size
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), page_size


@router.get(
    "/{job_id}/inputs/{n}/preview",
    response_class=Response,
    responses={
        200: {
            "description": (
                f"A JPEG at most {MAX_SIDE} px on its longer side, without metadata; the "
                f"`{PAGE_SIZE_HEADER}` header (`WIDTHxHEIGHT`) is the size of the page the "
                "result's `lines[].box` are measured on"
            ),
            "content": {"image/jpeg": {"example": _JPEG_EXAMPLE}},
            "headers": {
                PAGE_SIZE_HEADER: {
                    "description": "the page's width and height in pixels, e.g. `1240x3508`",
                    "schema": {"type": "string", "pattern": r"^\d+x\d+$"},
                }
            },
        },
        **documented(
            AuthError,
            NotFound,
            UnsupportedType,
            InvalidInput,
            details={
                NotFound.code: "the uploads of job 3f0c6a52-8d1e-4b7a-9c2f-5e8d1a7b4c90 were "
                "purged after the upload retention time; the result is kept",
                UnsupportedType.code: "input 0 of job 3f0c6a52-8d1e-4b7a-9c2f-5e8d1a7b4c90 is "
                "text/plain; only photos and PDFs have a preview",
            },
        ),
    },
)
async def input_preview(
    *,
    job_id: str,
    n: Annotated[int, Path(ge=0, description="the input's place in the job's `inputs`, from 0")],
    principal: PrincipalDep,
    store: StoreDep,
    blobs: BlobsDep,
    settings: SettingsDep,
) -> Response:
    """A downscaled picture of one uploaded photo, or of a PDF's first page."""
    job = (await store.get(principal.user_id, job_id)).job
    if n >= len(job.inputs):
        raise NotFound(f"job {job_id} has {len(job.inputs)} input(s); there is no input {n}")
    if job.inputs_purged_at is not None:
        raise NotFound(
            f"the uploads of job {job_id} were purged after the upload retention time; "
            "the result is kept"
        )
    item = job.inputs[n]
    if item.media_type not in _PICTURES and item.media_type != _PDF:
        raise UnsupportedType(
            f"input {n} of job {job_id} is {item.media_type}; only photos and PDFs have a preview"
        )
    data = await blobs.get(item.blob_key)
    jpeg, (width, height) = await asyncio.to_thread(
        _preview, data, item.media_type, settings.max_pixels
    )
    return Response(
        jpeg,
        media_type="image/jpeg",
        headers={
            PAGE_SIZE_HEADER: f"{width}x{height}",
            # The upload never changes; the page fetches each preview once per job anyway.
            "Cache-Control": "private, max-age=3600",
        },
    )
