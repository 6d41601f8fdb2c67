"""POST /v1/jobs for the recipe kind through the real app: text, HTML and DOCX accepted by
their content, the recipe kind's own 5 MB cap, and each refusal leaving nothing behind."""

from __future__ import annotations

import io
import json
import zipfile

import docx

from foodscan.settings import RECIPE_MAX_FILE_BYTES, Settings
from tests.integration.api.conftest import ApiFactory
from tests.integration.api.support import Api
from tests.integration.api.test_api_submit import assert_problem

RECIPE = b"Pancakes\n\nServes 4\n\nIngredients:\n- 2 eggs\n\nMethod:\n1. Whisk.\n"


def word_file() -> bytes:
    document = docx.Document()
    document.add_heading("Omelette", level=1)
    document.add_paragraph("3 eggs", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def test_text_html_and_docx_recipes_are_accepted_by_content(api: Api) -> None:
    page = b"<!DOCTYPE html><html><body><h1>Soup</h1></body></html>"
    sent = [(RECIPE, "r.jpg", "text/plain"), (page, "p.txt", "text/html"), (word_file(), "w", "")]
    for data, name, _ in sent:
        response = await api.submit(data, kind="recipe", name=name)
        assert response.status_code == 202, response.text

    jobs = (await api.client.get("/v1/jobs")).json()["items"]
    types = sorted(job["inputs"][0]["media_type"] for job in jobs)
    assert types == sorted(
        [
            "text/plain",
            "text/html",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ]
    )
    assert all(job["kind"] == "recipe" and job["max_attempts"] == 3 for job in jobs)
    suffixes = sorted(path.suffix for path in api.blob_files())
    assert suffixes == [".docx", ".html", ".txt"]


async def test_the_recipe_kind_has_its_own_size_cap(api_factory: ApiFactory) -> None:
    async with api_factory(
        max_upload_bytes=10_000_000, kinds={"recipe": {"max_file_bytes": 2000}}
    ) as api:
        big = RECIPE + b"- salt\n" * 300
        response = await api.submit(big, kind="recipe", name="big.txt")
        assert_problem(response, 413, "too_large")
        await api.assert_nothing_stored()
        assert (await api.submit(RECIPE, kind="recipe", name="ok.txt")).status_code == 202


def test_recipe_files_default_to_5_mb_and_30_seconds() -> None:
    policy = Settings().policy("recipe")
    assert (policy.max_file_bytes, policy.time_limit_s) == (RECIPE_MAX_FILE_BYTES, 30.0)
    assert RECIPE_MAX_FILE_BYTES == 5 * 1024 * 1024
    assert Settings().policy("receipt").max_file_bytes is None


async def test_a_text_file_is_415_for_a_receipt(api: Api) -> None:
    response = await api.submit(RECIPE, kind="receipt", name="receipt.jpg")
    body = assert_problem(response, 415, "unsupported_type")
    assert "text/plain" in body["detail"]
    await api.assert_nothing_stored()


async def test_text_that_is_not_utf8_is_415(api: Api) -> None:
    response = await api.submit("Żurek\n- 1 l wody\n".encode("cp1250"), kind="recipe")
    assert_problem(response, 415, "unsupported_type")
    await api.assert_nothing_stored()


async def test_a_docx_zip_bomb_is_413(api: Api) -> None:
    bomb = zipped({"word/document.xml": b"<w/>", "word/media/x.bin": b"\0" * 60_000_000})
    response = await api.submit(bomb, kind="recipe", name="bomb.docx")
    body = assert_problem(response, 413, "too_large")
    assert "unpacks to" in body["detail"]
    await api.assert_nothing_stored()


async def test_a_zip_that_is_not_a_word_file_is_415(api: Api) -> None:
    response = await api.submit(zipped({"content.xml": b"<o/>"}), kind="recipe", name="a.docx")
    assert_problem(response, 415, "unsupported_type")
    await api.assert_nothing_stored()


async def test_two_files_in_one_recipe_job_are_422(api: Api) -> None:
    response = await api.client.post(
        "/v1/jobs",
        data={"kind": "recipe"},
        files=[
            ("file", ("a.txt", RECIPE, "text/plain")),
            ("file", ("b.txt", RECIPE, "text/plain")),
        ],
    )
    assert_problem(response, 422, "too_many")
    await api.assert_nothing_stored()


async def test_recipe_is_a_known_kind_in_the_openapi_form(api: Api) -> None:
    schema = (await api.client.get("/openapi.json")).json()
    assert "recipe" in json.dumps(schema)
