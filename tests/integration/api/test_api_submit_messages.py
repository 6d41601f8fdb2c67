"""POST /v1/jobs refusals that name the problem: sizes in MiB, an empty file, an unknown lang."""

from __future__ import annotations

import pytest

from tests.integration.api.support import UPLOAD_LIMIT, Api


async def test_a_file_over_the_limit_says_both_sizes_in_mib(api_factory, receipt_image) -> None:
    limit = 10 * 1024 * 1024
    async with api_factory(max_upload_bytes=limit) as api:
        image = receipt_image()
        oversized = image + b"\0" * (11 * 1024 * 1024 + 512 * 1024 - len(image))

        response = await api.submit(oversized, name="big.jpg")

        assert response.status_code == 413
        assert response.json()["detail"] == "big.jpg: the file is 11.5 MiB; the limit is 10 MiB"


async def test_a_file_just_over_the_limit_says_bytes(api: Api, receipt_image) -> None:
    image = receipt_image()
    response = await api.submit(image + b"\0" * (UPLOAD_LIMIT + 1 - len(image)), name="r.jpg")

    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"r.jpg: the file is {UPLOAD_LIMIT + 1:,} bytes; the limit is {UPLOAD_LIMIT:,} bytes"
    )


async def test_an_empty_file_is_422_empty_file(api: Api) -> None:
    response = await api.submit(b"", name="blank.jpg")

    assert response.status_code == 422
    assert response.json()["detail"] == "blank.jpg: the file is empty"
    await api.assert_nothing_stored()


@pytest.mark.parametrize("lang", ["xx", "de", "eng+xx", "fr-FR"])
async def test_an_unsupported_lang_is_422_with_the_supported_list(
    api: Api, receipt_image, lang: str
) -> None:
    response = await api.submit(receipt_image(), lang=lang)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "not a supported language" in detail
    assert "en (eng), pl (pol), ru (rus)" in detail
    await api.assert_nothing_stored()


@pytest.mark.parametrize("lang", ["en", "PL", "eng+pol", "ru-RU", "en_GB"])
async def test_supported_langs_are_taken(api: Api, receipt_image, lang: str) -> None:
    response = await api.submit(receipt_image(), lang=lang)

    assert response.status_code == 202, response.text
