"""Hostile uploads at POST /v1/jobs, on both engines, at the default limits (10 MiB a file,
20 pages, 50 megapixels): every entry of the corpus the tests build (``hostile.py``) is refused
with its 4xx and a problem+json ``code``, the app answers ``/healthz`` after each, and nothing is
left in the database or the blob store. Hostile filenames on good files are accepted and only
ever shown sanitised; wrong multipart shapes and 100 files in one request are refused whole.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from foodscan.settings import Settings
from tests.integration.api.conftest import ApiFactory
from tests.integration.api.hostile import (
    CORPUS,
    HOSTILE_FILENAMES,
    TEN_KB_NAME,
    Hostile,
    build,
    photo,
)
from tests.integration.api.support import Api
from tests.integration.api.test_api_submit import assert_problem

# The service's own defaults, not the suite's small test limits: the corpus is sized against them.
DEFAULTS = {
    "max_upload_bytes": Settings.model_fields["max_upload_bytes"].default,
    "max_pixels": Settings.model_fields["max_pixels"].default,
}
# A refusal is decided from headers and page trees; even the 10,000-page PDF stays well under this.
REFUSAL_BUDGET_S = 5.0

CASES = [
    pytest.param(entry, kind, id=f"{entry.name}-{kind}") for entry in CORPUS for kind in entry.kinds
]


@pytest.fixture
async def served(api_factory: ApiFactory) -> AsyncIterator[Api]:
    async with api_factory(**DEFAULTS) as api:
        yield api


async def assert_healthy(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.status_code == 200, response.text


def multipart(
    parts: list[tuple[str, str | None, bytes]], boundary: str = "hostile-boundary"
) -> tuple[bytes, dict[str, str]]:
    """A multipart body written byte for byte, so a filename arrives exactly as given (a NUL,
    a bidi override) rather than escaped by the client; CR, LF and quotes are escaped as
    browsers do, since a raw one ends the header line."""
    chunks = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            escaped = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
            disposition += f'; filename="{escaped}"'
            disposition += "\r\nContent-Type: application/octet-stream"
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode())
        chunks.append(data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


async def post_raw(api: Api, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await api.client.post("/v1/jobs", content=body, headers=headers)


# ---- the corpus, for every kind it applies to --------------------------------------------------


@pytest.mark.parametrize(("entry", "kind"), CASES)
async def test_hostile_file_is_refused_and_leaves_nothing(
    served: Api, entry: Hostile, kind: str
) -> None:
    data = build(entry)
    started = time.monotonic()

    response = await served.client.post(
        "/v1/jobs",
        data={"kind": kind},
        files={"file": (entry.filename, data, entry.content_type)},
    )

    elapsed = time.monotonic() - started
    body = assert_problem(response, entry.status, entry.code)
    assert body["detail"].startswith(f"{entry.filename}: "), body["detail"]
    assert elapsed < REFUSAL_BUDGET_S, f"refusing {entry.name} took {elapsed:.1f} s"
    await assert_healthy(served)
    await served.assert_nothing_stored()


async def test_the_corpus_is_what_it_claims(served: Api) -> None:
    """Guards the test itself: the bombs are small on the wire, the big file is over 10 MiB."""
    sizes = {entry.name: len(build(entry)) for entry in CORPUS}

    assert sizes["png-bomb-900mp"] < 200_000
    assert sizes["docx-zip-bomb"] < 200_000
    assert sizes["eleven-mb-jpeg"] > served.settings.max_upload_bytes
    assert sizes["pdf-10000-pages"] < served.settings.max_upload_bytes
    assert sizes["zero-bytes"] == 0


# ---- filenames ------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", HOSTILE_FILENAMES.values(), ids=HOSTILE_FILENAMES.keys())
async def test_hostile_filename_on_a_good_photo_is_only_shown_sanitised(
    served: Api, filename: str, tmp_path: Path
) -> None:
    body, headers = multipart([("kind", None, b"receipt"), ("file", filename, photo())])

    response = await post_raw(served, body, headers)

    assert response.status_code == 202, response.text
    job = (await served.client.get(response.headers["location"])).json()
    shown = job["inputs"][0]["name"]
    assert 0 < len(shown) <= 200
    assert "/" not in shown
    assert "\\" not in shown
    assert not [ch for ch in shown if unicodedata.category(ch).startswith("C")], repr(shown)
    # The blob's path is the store's own key, never built from the client's name.
    (blob,) = served.blob_files()
    assert blob.is_relative_to(served.blob_dir)
    assert shown not in str(blob)
    assert not (tmp_path / "etc").exists()
    await assert_healthy(served)


@pytest.mark.parametrize("filename", HOSTILE_FILENAMES.values(), ids=HOSTILE_FILENAMES.keys())
async def test_hostile_filename_on_a_refused_file_is_sanitised_in_the_problem(
    served: Api, filename: str
) -> None:
    body, headers = multipart([("kind", None, b"receipt"), ("file", filename, b"not a photo")])

    response = await post_raw(served, body, headers)

    problem = assert_problem(response, 415, "unsupported_type")
    shown = problem["detail"].split(": ", 1)[0]
    assert len(shown) <= 200
    assert not [ch for ch in problem["detail"] if unicodedata.category(ch).startswith("C")]
    assert "\r" not in response.text
    assert "x-injected" not in response.headers
    await assert_healthy(served)
    await served.assert_nothing_stored()


async def test_a_10_kb_filename_is_refused_by_the_header_cap(served: Api) -> None:
    body, headers = multipart([("kind", None, b"receipt"), ("file", TEN_KB_NAME, photo())])

    response = await post_raw(served, body, headers)

    assert_problem(response, 422, "invalid_input")
    await assert_healthy(served)
    await served.assert_nothing_stored()


# ---- wrong multipart shapes -------------------------------------------------------------------

GOOD = photo()
FILE = ("file", "a.jpg", GOOD)
SHAPES = {
    "file-as-text-field": ([("kind", None, b"receipt"), ("file", None, b"abc")], "must be a file"),
    "kind-as-file": ([("kind", "kind.txt", b"receipt"), ("file", "a.jpg", GOOD)], "must be text"),
    "kind-twice": (
        [("kind", None, b"receipt"), ("kind", None, b"recipe"), ("file", "a.jpg", GOOD)],
        "more than once",
    ),
    "lang-twice": (
        [("kind", None, b"receipt"), ("lang", None, b"en"), ("lang", None, b"pl"), FILE],
        "more than once",
    ),
    "unknown-field": (
        [("kind", None, b"receipt"), ("user_id", None, b"alice"), ("file", "a.jpg", GOOD)],
        "unknown field",
    ),
    "unknown-file-field": (
        [("kind", None, b"receipt"), ("file", "a.jpg", GOOD), ("attachment", "b.jpg", GOOD)],
        "unknown field",
    ),
    "no-kind": ([("file", "a.jpg", GOOD)], "'kind' is required"),
    "unknown-kind": ([("kind", None, b"../receipt"), ("file", "a.jpg", GOOD)], "unknown kind"),
    "no-file": ([("kind", None, b"receipt")], "at least one 'file'"),
    "options-not-json": (
        [("kind", None, b"receipt"), ("options", None, b"{nope"), ("file", "a.jpg", GOOD)],
        "not valid JSON",
    ),
    "options-deeply-nested": (
        [("kind", None, b"receipt"), ("options", None, b"[" * 20_000 + b"]" * 20_000), FILE],
        "options",
    ),
    "options-nan": (
        [("kind", None, b"receipt"), ("options", None, b'{"a": NaN}'), ("file", "a.jpg", GOOD)],
        "not valid JSON",
    ),
}


@pytest.mark.parametrize(("parts", "needle"), SHAPES.values(), ids=SHAPES.keys())
async def test_wrong_multipart_shape_is_422(
    served: Api, parts: list[tuple[str, str | None, bytes]], needle: str
) -> None:
    body, headers = multipart(parts)

    response = await post_raw(served, body, headers)

    problem = assert_problem(response, 422, "invalid_input")
    assert needle in problem["detail"]
    await assert_healthy(served)
    await served.assert_nothing_stored()


# Valid JSON that PostgreSQL's jsonb or the JSON answer cannot hold: it used to be stored on
# SQLite and then make GET /v1/jobs answer 500, or fail the insert on PostgreSQL with a 500.
UNSTORABLE_JSON = {
    "infinite-number": '{"a": 1e400}',
    "negative-infinity-in-list": '{"a": [1, -1e400]}',
    "nested-200-deep": '{"a": ' + "[" * 200 + "]" * 200 + "}",
    "nul-in-value": '{"a": "x\\u0000y"}',
    "nul-in-key": '{"\\u0000": 1}',
    "lone-surrogate": '{"a": "\\ud800"}',
}


@pytest.mark.parametrize("field", ["options", "metadata"])
@pytest.mark.parametrize("text", UNSTORABLE_JSON.values(), ids=UNSTORABLE_JSON.keys())
async def test_json_that_cannot_be_stored_or_answered_is_422(
    served: Api, field: str, text: str
) -> None:
    response = await served.client.post(
        "/v1/jobs",
        data={"kind": "receipt", field: text},
        files={"file": ("a.jpg", photo(), "image/jpeg")},
    )

    problem = assert_problem(response, 422, "invalid_input")
    assert f"'{field}'" in problem["detail"]
    await assert_healthy(served)
    await served.assert_nothing_stored()


async def test_json_nested_to_the_limit_is_stored_and_read_back(served: Api) -> None:
    deep = '{"a": ' + "[" * 30 + '"\\u00e9 \\ud83e\\uddfe"' + "]" * 30 + "}"

    submitted = await served.submit(photo(), options=deep, metadata=deep)

    assert submitted.status_code == 202, submitted.text
    job = await served.client.get(submitted.headers["location"])
    listed = await served.client.get("/v1/jobs")
    assert job.status_code == 200, job.text
    assert listed.status_code == 200, listed.text
    value = job.json()["options"]["a"]
    for _ in range(30):
        (value,) = value
    assert value == "\u00e9 \U0001f9fe"
    assert job.json()["metadata"] == job.json()["options"]


RAW_BODIES = {
    "no-boundary": (b"--x\r\n\r\n", "multipart/form-data", 422, "invalid_input"),
    "empty-boundary": (b"--\r\n", "multipart/form-data; boundary=", 422, "invalid_input"),
    "boundary-never-used": (
        b"just some bytes",
        "multipart/form-data; boundary=abc",
        422,
        "invalid_input",
    ),
    "unterminated-part": (
        b'--abc\r\nContent-Disposition: form-data; name="kind"\r\n\r\nreceipt',
        "multipart/form-data; boundary=abc",
        422,
        "invalid_input",
    ),
    "part-without-name": (
        b"--abc\r\nContent-Disposition: form-data\r\n\r\nx\r\n--abc--\r\n",
        "multipart/form-data; boundary=abc",
        422,
        "invalid_input",
    ),
    "garbage-headers": (
        b"--abc\r\n\x00\x01\x02: \xff\xfe\r\n\r\nx\r\n--abc--\r\n",
        "multipart/form-data; boundary=abc",
        422,
        "invalid_input",
    ),
    "empty-body": (b"", "multipart/form-data; boundary=abc", 422, "invalid_input"),
    "urlencoded": (b"kind=receipt&file=x", "application/x-www-form-urlencoded", 415, None),
    "json": (b'{"kind": "receipt"}', "application/json", 415, None),
    "no-content-type": (b"kind=receipt", "", 415, None),
}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"), RAW_BODIES.values(), ids=RAW_BODIES.keys()
)
async def test_malformed_body_is_refused(
    served: Api, body: bytes, content_type: str, status: int, code: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    response = await post_raw(served, body, headers)

    assert_problem(response, status, code or "unsupported_type")
    await assert_healthy(served)
    await served.assert_nothing_stored()


async def test_a_hundred_files_in_one_request_are_422(served: Api) -> None:
    files = [("file", (f"{i}.jpg", photo(size=(8 + i, 8)), "image/jpeg")) for i in range(100)]

    response = await served.client.post("/v1/jobs", data={"kind": "products"}, files=files)

    problem = assert_problem(response, 422, "too_many")
    assert "too many files" in problem["detail"]
    await assert_healthy(served)
    await served.assert_nothing_stored()


async def test_a_good_file_after_a_bad_one_in_one_request_stores_nothing(served: Api) -> None:
    files = [
        ("file", ("good.jpg", photo(), "image/jpeg")),
        ("file", ("bomb.png", build(CORPUS[0]), "image/png")),
    ]

    response = await served.client.post("/v1/jobs", data={"kind": "products"}, files=files)

    assert_problem(response, 422, "too_many")
    await served.assert_nothing_stored()


async def test_the_service_still_accepts_a_good_upload_after_the_corpus(served: Api) -> None:
    for entry in CORPUS:
        kind = entry.kinds[0]
        files = {"file": (entry.filename, build(entry), entry.content_type)}
        refused = await served.client.post("/v1/jobs", data={"kind": kind}, files=files)
        assert 400 <= refused.status_code < 500, (entry.name, refused.text)

    accepted = await served.submit(photo(size=(120, 90)))

    assert accepted.status_code == 202, accepted.text
    assert await served.job_count() == 1
    assert len(served.blob_files()) == 1
