"""A Python client for foodscan: ``AsyncClient`` for asyncio code, ``Client`` for blocking code.

::

    from foodscan.client import Client

    with Client() as client:                      # http://127.0.0.1:8000, the embedded server
        job = client.submit("receipt.jpg")
        for event in client.events(job.job_id):   # resumes on its own after a dropped connection
            print(event.type, event.step, event.progress)
        print(client.get(job.job_id).result)

Answers are typed wire models (``JobOut``, ``JobSummary`` from ``list``, ``Submitted``,
``Rescanned`` from ``rescan`` (a finished job scanned again from the uploads the server kept),
``Readiness``, ``Event``);
refusals raise ``ClientError`` (``code``, ``status``, ``detail``, ``retry_after``); ``submit``
can wait out the plan's limits (``wait_on_limit``). It imports nothing of the server (only
httpx, httpx-sse and pydantic), so it also installs alone: ``pip install foodscan-client``.
"""

from __future__ import annotations

from foodscan.client.aio import DEFAULT_SERVER, AsyncClient, Upload
from foodscan.client.errors import ClientError
from foodscan.client.models import (
    Event,
    JobErrorOut,
    JobOut,
    JobSummary,
    Readiness,
    Rescanned,
    ResultSummary,
    Status,
    Submitted,
)
from foodscan.client.sync import Client

__all__ = [
    "DEFAULT_SERVER",
    "AsyncClient",
    "Client",
    "ClientError",
    "Event",
    "JobErrorOut",
    "JobOut",
    "JobSummary",
    "Readiness",
    "Rescanned",
    "ResultSummary",
    "Status",
    "Submitted",
    "Upload",
]
