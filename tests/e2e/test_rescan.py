"""Scanning the same file again: the CLI and the Python client say when an answer is an earlier
job's, and ``--rescan`` / ``rescan=True`` queue a new one; the client's ``rescan(job_id)`` runs
a finished job again from the uploads the server kept, as ``foodscan rescan JOB_ID`` does.
Against a real server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from foodscan.client import AsyncClient, Client, ClientError, Rescanned, Status
from tests.e2e.server import Server
from tests.e2e.test_cli_scan import run

pytestmark = pytest.mark.slow


def recipe_text() -> bytes:
    """A recipe no other test sends (recipes from text need no OCR: the jobs end quickly)."""
    return (
        f"Pancakes {uuid.uuid4().hex[:8]}\n\nServes 4\n\nIngredients\n- 200 g flour\n"
        "- 300 ml milk\n\nMethod\n1. Whisk the flour and milk.\n2. Fry thin pancakes.\n"
    ).encode()


def test_scan_says_a_result_is_earlier_and_rescan_scans_again(
    module_server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "pancakes.txt"
    path.write_bytes(recipe_text())
    scan = ("scan", str(path), "--kind", "recipe", "--json", "--server", module_server.url)

    first, again, rescanned = run(*scan), run(*scan), run(*scan, "--rescan")

    ids = [json.loads(done.stdout)["id"] for done in (first, again, rescanned)]
    assert [done.returncode for done in (first, again, rescanned)] == [0, 0, 0]
    assert ids[1] == ids[0]
    assert ids[2] != ids[0]
    assert "already scanned" not in first.stderr
    assert f"already scanned (job {ids[0]})" in again.stderr
    assert "--rescan" in again.stderr
    assert "already scanned" not in rescanned.stderr


async def test_client_submit_reports_a_duplicate_and_rescan_makes_a_new_job(
    module_server: Server,
) -> None:
    upload = ("pancakes.txt", recipe_text())
    async with AsyncClient(module_server.url) as client:
        first = await client.submit(upload, "recipe")
        again = await client.submit(upload, "recipe")
        rescanned = await client.submit(upload, "recipe", rescan=True)
        job = await client.wait(rescanned.job_id, timeout=60)

    assert (first.duplicate, again.duplicate, rescanned.duplicate) == (False, True, False)
    assert again.job_id == first.job_id
    assert rescanned.job_id != first.job_id
    assert job.status == Status.SUCCEEDED


async def test_client_rescan_runs_a_finished_job_again_from_the_servers_uploads(
    module_server: Server,
) -> None:
    upload = ("pancakes.txt", recipe_text())
    async with AsyncClient(module_server.url) as client:
        first = await client.submit(upload, "recipe", metadata={"order": 7})
        original = await client.wait(first.job_id, timeout=60)
        again = await client.rescan(first.job_id, idempotency_key=f"again-{first.job_id}")
        replay = await client.rescan(first.job_id, idempotency_key=f"again-{first.job_id}")
        job = await client.wait(again.job_id, timeout=60)
        with pytest.raises(ClientError) as missing:
            await client.rescan("00000000-0000-4000-8000-000000000000")

    assert isinstance(again, Rescanned)
    assert (again.rescan_of, again.duplicate, again.status) == (first.job_id, False, Status.QUEUED)
    assert (replay.job_id, replay.duplicate) == (again.job_id, True)
    assert again.job_id != first.job_id
    assert job.status == Status.SUCCEEDED
    assert (job.kind, job.metadata) == ("recipe", {"order": 7})
    assert [f.sha256 for f in job.inputs] == [f.sha256 for f in original.inputs]
    assert job.result == original.result
    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_the_blocking_client_rescans_too(module_server: Server) -> None:
    with Client(module_server.url) as client:
        first = client.submit(("pancakes.txt", recipe_text()), "recipe")
        client.wait(first.job_id, timeout=60)
        again = client.rescan(first.job_id)
        job = client.wait(again.job_id, timeout=60)

    assert again.rescan_of == first.job_id
    assert job.status == Status.SUCCEEDED


def test_the_rescan_command_scans_a_finished_job_again(
    module_server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "pancakes.txt"
    path.write_bytes(recipe_text())
    scanned = run("scan", str(path), "--kind", "recipe", "--json", "--server", module_server.url)
    first = json.loads(scanned.stdout)["id"]

    again = run("rescan", first, "--json", "--server", module_server.url)
    missing = run("rescan", "00000000-0000-4000-8000-000000000000", "--server", module_server.url)

    assert again.returncode == 0, again.stderr
    job = json.loads(again.stdout)
    assert job["id"] != first
    assert (job["kind"], job["status"]) == ("recipe", "succeeded")
    assert [f["name"] for f in job["inputs"]] == ["pancakes.txt"]
    assert missing.returncode == 1
    assert "(HTTP 404, not_found)" in missing.stderr
