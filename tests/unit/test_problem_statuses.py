"""HTTP status codes live in ``api/problems.py`` only: the exception tree knows none, and each
error's status comes from the table there (issue 18)."""

from __future__ import annotations

import pytest

from foodscan import errors
from foodscan.api.problems import status_of

EXPECTED = {
    errors.UnsupportedType: 415,
    errors.TooLarge: 413,
    errors.TooMany: 422,
    errors.InvalidInput: 422,
    errors.LanguageUnavailable: 422,
    errors.InvalidCallbackUrl: 422,
    errors.CallbackUnresolvable: 422,
    errors.WebhooksUnavailable: 422,
    errors.AuthError: 401,
    errors.CrossSiteRequest: 403,
    errors.HostNotAllowed: 421,
    errors.RequestTimeout: 408,
    errors.RateLimited: 429,
    errors.QuotaExceeded: 429,
    errors.TooManyActive: 429,
    errors.NotFound: 404,
    errors.InputsPurged: 410,
    errors.IdempotencyConflict: 409,
    errors.InvalidTransition: 409,
    errors.TransientError: 500,
    errors.LeaseLost: 500,
}


def _tree(root: type[errors.FoodscanError]) -> list[type[errors.FoodscanError]]:
    found = [root]
    for sub in root.__subclasses__():
        found.extend(_tree(sub))
    return found


@pytest.mark.parametrize("error", _tree(errors.FoodscanError), ids=lambda e: e.__name__)
def test_no_error_class_carries_an_http_status(error: type[errors.FoodscanError]) -> None:
    assert "status" not in vars(error)


@pytest.mark.parametrize(("error", "status"), EXPECTED.items(), ids=str)
def test_each_error_answers_its_status(error: type[errors.FoodscanError], status: int) -> None:
    assert status_of(error) == status
