"""Reading a submit: a size-capped multipart parse, the fields checked, every file inspected.

Nothing is stored here; the route stores blobs only after everything in ``read_submission``
passed. The body is never read past a cap derived from the upload limits (a larger
``Content-Length`` is refused before reading), so a client cannot make the API buffer an
unbounded body.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from foodscan.api.form import FilePart, Form, read_form
from foodscan.errors import (
    InputError,
    InvalidInput,
    LanguageUnavailable,
    TooLarge,
    TooMany,
    UnsupportedType,
)
from foodscan.pipelines import registry
from foodscan.pipelines.kinds import Kind
from foodscan.settings import Settings
from foodscan.uploads.checks import Inspected, UploadLimits, accept, over_limit, safe_name
from foodscan.webhooks.targets import accept_callback_url

FIELDS = frozenset({"kind", "file", "lang", "options", "metadata", "callback_url", "rescan"})
FIELD_BYTES = 64 * 1024
# Room for part headers and the small text fields around the files.
FORM_OVERHEAD = 256 * 1024
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_+][A-Za-z0-9]{2,8}){0,3}")
_LANG_MAX = 16  # the jobs.lang column
# The languages the service reads, by their ISO 639-1 and Tesseract names; the OCR of some may
# be missing on a node (``check_readable``).
_OCR_LANGS = {"ru": "ru", "rus": "ru", "en": "en", "eng": "en", "pl": "pl", "pol": "pl"}
SUPPORTED_LANGS = "en (eng), pl (pol), ru (rus)"
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
# Far deeper than any real options or metadata, well within what a JSON answer can serialise.
_JSON_DEPTH = 32
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SUFFIXES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


@dataclass(frozen=True, slots=True)
class Upload:
    """One file that passed inspection, with its bytes and display name."""

    name: str
    data: bytes
    inspected: Inspected

    @property
    def suffix(self) -> str:
        return _SUFFIXES.get(self.inspected.media_type, "")


@dataclass(frozen=True, slots=True)
class Intake:
    """A checked submit request, ready to store and queue."""

    pipeline: Kind
    files: list[Upload]
    lang: str | None
    options: dict[str, Any]  # Any: the client's own JSON object
    metadata: dict[str, Any] | None  # Any: the client's own JSON object
    callback_url: str | None = None  # checked by ``webhooks.targets``
    rescan: bool = False  # run again even if the same upload already has a job

    @property
    def dedupe(self) -> bool:
        """Whether the same upload's earlier job (not an Idempotency-Key's) answers instead."""
        return not self.rescan and self.options.get("dedupe", True) is not False

    @property
    def kind(self) -> str:
        return self.pipeline.kind

    @property
    def request_hash(self) -> str:
        """What makes two submits "the same request" for an Idempotency-Key (not metadata)."""
        canonical = {
            "kind": self.kind,
            "files": [f.inspected.sha256 for f in self.files],
            "options": self.options,
            "lang": self.lang,
        }
        if self.callback_url is not None:  # only then: earlier jobs' hashes stay as they were
            canonical["callback_url"] = self.callback_url
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def body_limit(settings: Settings) -> int:
    """The most bytes a submit body may have: the most files any kind takes, at full size."""
    most = max(registry.get(kind).max_files for kind in registry.kinds())
    return min(most, settings.max_files) * settings.max_upload_bytes + FORM_OVERHEAD


def kind_max_bytes(settings: Settings, kind: str) -> int:
    """The most bytes one file of ``kind`` may have: the kind's own cap within the global one."""
    own = settings.policy(kind).max_file_bytes
    return settings.max_upload_bytes if own is None else min(own, settings.max_upload_bytes)


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput("Idempotency-Key must be 1-200 visible ASCII characters")
    return key


async def read_submission(request: Request, settings: Settings) -> Intake:
    """Parse and check everything a submit sent; raises an ``InputError`` on the first problem."""
    form = await _read_form(request, settings)
    readable = request.app.state.capabilities.ocr_languages
    return await _check(form, settings, readable)


async def _capped(chunks: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise TooLarge(f"the request body is over the limit of {limit} bytes")
        yield chunk


async def _read_form(request: Request, settings: Settings) -> Form:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedType("send the job as multipart/form-data (fields kind, file, …)")
    limit = body_limit(settings)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge(f"the request body is {length} bytes; the limit is {limit}")
    return await read_form(
        content_type,
        _capped(request.stream(), limit),
        FIELDS,
        max_files=settings.max_files,
        field_bytes=FIELD_BYTES,
        # No kind allows more than this; a larger file is counted, not kept, and refused.
        file_cap=settings.max_upload_bytes + 1,
    )


async def _check(form: Form, settings: Settings, readable: frozenset[str]) -> Intake:
    unknown = sorted(form.keys() - FIELDS)
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {', '.join(unknown)}; send {', '.join(sorted(FIELDS))}"
        )
    kind = _text(form, "kind")
    if not kind:
        raise InvalidInput(
            "the field 'kind' is required; known kinds: " + ", ".join(registry.kinds())
        )
    pipeline = registry.get(kind)
    lang = _lang(_text(form, "lang"))
    options = _json_object("options", _text(form, "options"), FIELD_BYTES) or {}
    metadata = _json_object("metadata", _text(form, "metadata"), settings.max_metadata_bytes)
    callback_url = await accept_callback_url(_text(form, "callback_url"), settings)
    rescan = _flag(form, "rescan")
    uploads = _files(form, pipeline, settings)
    limits = UploadLimits(kind_max_bytes(settings, kind), settings.max_pages, settings.max_pixels)
    files = [await _inspect(upload, pipeline, limits) for upload in uploads]
    if any(f.inspected.media_type.startswith("image/") for f in files):
        check_readable(lang, readable)
    return Intake(pipeline, files, lang, options, metadata, callback_url, rescan)


def check_readable(lang: str | None, readable: frozenset[str]) -> None:
    """Refuse a photo in a language this node's OCR cannot read (Russian without Tesseract's
    data), rather than queue a job bound to fail. PDFs pass: their text layer may need no OCR.

    ``lang`` is a hint such as ``ru``, ``ru-RU`` or ``eng+rus``."""
    hinted = [part for part in (lang or "").lower().split("+") if part]
    wanted = {_OCR_LANGS.get(part[:3]) or _OCR_LANGS.get(part[:2]) for part in hinted}
    missing = sorted(code for code in wanted - readable if code)
    if missing:
        hint = " (FOODSCAN_TESSDATA_DIR has no rus.traineddata)" if "ru" in missing else ""
        raise LanguageUnavailable(
            f"this server cannot read {', '.join(missing)} from photos{hint}; "
            f"it reads {', '.join(sorted(readable)) or 'nothing'}"
        )


def _text(form: Form, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1:
        raise InvalidInput(f"the field '{name}' was sent more than once")
    if not values:
        return None
    value = values[0]
    if not isinstance(value, str):
        raise InvalidInput(f"the field '{name}' must be text, not a file")
    return value.strip() or None


def _flag(form: Form, name: str) -> bool:
    value = (_text(form, name) or "false").lower()
    if value not in ("true", "false"):
        raise InvalidInput(f"the field '{name}' must be 'true' or 'false'")
    return value == "true"


def _lang(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > _LANG_MAX or not _LANG.fullmatch(value):
        raise InvalidInput("'lang' must be a language code such as 'en', 'pl' or 'eng+pol'")
    for part in value.lower().split("+"):
        base = re.split("[-_]", part)[0]
        if base not in _OCR_LANGS:
            raise InvalidInput(
                f"'lang' {base!r} is not a supported language; "
                f"supported: {SUPPORTED_LANGS}, joined with '+' for several"
            )
    return value


def _json_object(name: str, text: str | None, max_bytes: int) -> dict[str, Any] | None:
    if text is None:
        return None
    size = len(text.encode())
    if size > max_bytes:
        raise InvalidInput(f"'{name}' is {size} bytes; the limit is {max_bytes}")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"'{name}' is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"'{name}' must be a JSON object")
    _check_storable(name, value, depth=1)
    return value


def _no_constant(token: str) -> Any:  # Any: json's parse_constant hook signature
    raise ValueError(f"{token} is not allowed")


def _finite(token: str) -> float:
    # 1e400 parses as infinity, which PostgreSQL's jsonb and a JSON answer cannot hold.
    value = float(token)
    if not math.isfinite(value):
        raise ValueError(f"{token} is out of range")
    return value


def _check_storable(name: str, value: Any, depth: int) -> None:  # Any: parsed JSON
    """Refuse valid JSON that could be stored but not sent back, or not stored at all: nesting
    deeper than the answer's serializer goes, NUL (jsonb refuses it), unpaired surrogates."""
    if depth > _JSON_DEPTH:
        raise InvalidInput(f"'{name}' is nested more than {_JSON_DEPTH} levels deep")
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            raise InvalidInput(f"'{name}' holds a NUL character or an unpaired surrogate")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(name, key, depth)
            _check_storable(name, item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_storable(name, item, depth + 1)


def _files(form: Form, pipeline: Kind, settings: Settings) -> list[FilePart]:
    values = form.getlist("file")
    if not values:
        raise InvalidInput("send at least one 'file'")
    uploads = [v for v in values if isinstance(v, FilePart)]
    if len(uploads) != len(values):
        raise InvalidInput("every 'file' field must be a file upload")
    most = min(pipeline.max_files, settings.max_files)
    if len(uploads) > most:
        raise TooMany(f"{pipeline.kind} jobs take at most {most} file(s), got {len(uploads)}")
    return uploads


async def _inspect(upload: FilePart, pipeline: Kind, limits: UploadLimits) -> Upload:
    name = safe_name(upload.filename)
    if upload.size > limits.max_bytes:
        raise TooLarge(f"{name}: {over_limit(upload.size, limits.max_bytes)}")
    if not upload.size:
        raise InvalidInput(f"{name}: the file is empty")
    data = bytes(upload.data)
    upload.data = bytearray()  # one copy of the file held, not two
    try:
        # The check, the sha256 and the metadata strip in one call, off the event loop (a JPEG
        # is walked once for the check and the strip).
        inspected, clean = await asyncio.to_thread(accept, data, limits, pipeline.accepts)
    except InputError as exc:
        raise type(exc)(f"{name}: {exc.message}") from exc
    if clean is None:
        accepted = ", ".join(sorted(pipeline.accepts))
        raise UnsupportedType(
            f"{name}: {pipeline.kind} jobs accept {accepted}, not {inspected.media_type}"
        )
    # Stored without EXIF/GPS and other personal metadata (the sha256 is of what the client sent).
    return Upload(name, clean, inspected)
