"""``foodscan scan``, ``jobs`` and ``inspect`` as a user runs them against a real server."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from foodscan.client import DEFAULT_SERVER
from foodscan.settings import Settings
from tests.e2e.server import FOODSCAN, Server
from tests.unit.recognition.product_images import product_photo

pytestmark = pytest.mark.slow


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    return subprocess.run(
        [str(FOODSCAN), *args],
        env=clean | {"COLUMNS": "200"} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def files(tmp_path: Path, receipt_jpeg: bytes) -> dict[str, Path]:
    """A readable receipt, a blank page (its job fails: no text) and a text file (refused)."""
    blank = io.BytesIO()
    Image.new("RGB", (480, 320), "white").save(blank, "PNG")
    made = {
        "receipt": ("receipt.jpg", receipt_jpeg),
        "blank": ("blank.png", blank.getvalue()),
        "text": ("notes.txt", b"not a receipt\n"),
    }
    paths = {}
    for key, (name, data) in made.items():
        paths[key] = tmp_path / name
        paths[key].write_bytes(data)
    return paths


def test_scan_prints_the_receipt_as_a_table(module_server: Server, files: dict[str, Path]) -> None:
    done = run("scan", str(files["receipt"]), "--server", module_server.url)

    assert done.returncode == 0, done.stderr
    assert "receipt.jpg" in done.stdout
    assert "succeeded" in done.stdout
    for label, value in [("Merchant", "FRESH MARKET"), ("Total", "6.84"), ("Currency", "GBP")]:
        assert any(label in line and value in line for line in done.stdout.splitlines())
    assert "Date" in done.stdout
    assert "2026-03-14" in done.stdout
    assert "BANANAS" in done.stdout


def test_scan_shows_progress_bars_on_a_terminal(
    module_server: Server, files: dict[str, Path]
) -> None:
    done = run(
        "scan",
        str(files["receipt"]),
        "--server",
        module_server.url,
        TTY_COMPATIBLE="1",
        FORCE_TERMINAL="1",
    )

    assert done.returncode == 0, done.stderr
    progress = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", done.stderr)
    final = progress.strip().splitlines()[-1]
    for shown in ("receipt.jpg", "100%", "done"):
        assert shown in final


def test_scan_json_prints_one_final_job_per_line_and_fails_when_a_job_failed(
    module_server: Server, files: dict[str, Path]
) -> None:
    paths = [str(files[key]) for key in ("receipt", "blank", "text")]
    done = run("scan", *paths, "--json", "--server", module_server.url)

    assert done.returncode == 1
    jobs = [json.loads(line) for line in done.stdout.splitlines()]
    assert [job["status"] for job in jobs] == ["succeeded", "failed"]
    assert [job["inputs"][0]["name"] for job in jobs] == ["receipt.jpg", "blank.png"]
    assert jobs[0]["result"]["total"] == "6.84"
    assert jobs[1]["error"]["code"] == "no_text"
    assert "unsupported_type" in done.stderr
    assert "notes.txt" in done.stderr
    assert "Traceback" not in done.stderr


MILK = "5901234123457"
RECIPE = "Pancakes\n\nServes 4\n\nIngredients\n- 200 g flour\n- 300 ml milk, warmed\n\n" + (
    "Method\n1. Whisk the flour and milk.\n2. Fry thin pancakes.\n"
)


@pytest.fixture
def product_photos(tmp_path: Path) -> list[Path]:
    """The front and the back of one carton of milk: the same barcode on both."""
    paths = []
    for name, words in [("front.jpg", ["ARLA", "MJOLK", "1 l"]), ("back.jpg", ["NARINGSVARDE"])]:
        paths.append(tmp_path / name)
        product_photo(words, code=MILK).save(paths[-1], "JPEG", quality=92)
    return paths


def test_scan_sends_product_photos_as_one_job_and_prints_its_products(
    module_server: Server, product_photos: list[Path]
) -> None:
    photos = [str(path) for path in product_photos]
    as_json = run("scan", "--kind", "products", *photos, "--json", "--server", module_server.url)
    table = run("scan", "--kind", "products", *photos, "--server", module_server.url)

    assert as_json.returncode == 0, as_json.stderr
    (job,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert job["kind"] == "products"
    assert [item["name"] for item in job["inputs"]] == ["front.jpg", "back.jpg"]
    (product,) = job["result"]["products"]
    assert product["photos"] == [0, 1]
    assert table.returncode == 0, table.stderr
    assert "front.jpg + back.jpg" in table.stdout
    row = next(line for line in table.stdout.splitlines() if MILK in line)
    for cell in ("Arla", "1 l", "Milk", "1, 2"):
        assert cell in row, row


def test_scan_each_sends_one_job_per_photo(
    module_server: Server, product_photos: list[Path]
) -> None:
    photos = [str(path) for path in product_photos]
    done = run(
        "scan", "--kind", "products", "--each", *photos, "--json", "--server", module_server.url
    )

    assert done.returncode == 0, done.stderr
    jobs = [json.loads(line) for line in done.stdout.splitlines()]
    assert [[item["name"] for item in job["inputs"]] for job in jobs] == [
        ["front.jpg"],
        ["back.jpg"],
    ]


def test_scan_one_job_sends_several_receipt_photos_together(
    module_server: Server, files: dict[str, Path]
) -> None:
    done = run(
        "scan", "--one-job", str(files["receipt"]), str(files["blank"]), "--json",
        "--server", module_server.url,
    )  # fmt: skip

    (job,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert [item["name"] for item in job["inputs"]] == ["receipt.jpg", "blank.png"]


def test_scan_prints_a_recipe_as_ingredients_and_steps(
    module_server: Server, tmp_path: Path
) -> None:
    recipe = tmp_path / "pancakes.txt"
    recipe.write_text(RECIPE)

    done = run("scan", "--kind", "recipe", str(recipe), "--server", module_server.url)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("Pancakes" in line and "makes 4" in line for line in lines), done.stdout
    assert any("200 g" in line and "flour" in line for line in lines)
    assert any("300 ml" in line and "milk, warmed" in line for line in lines)
    assert "2. Fry thin pancakes." in done.stdout


def test_jobs_prints_a_table_or_json_lines(module_server: Server, files: dict[str, Path]) -> None:
    scanned = run("scan", str(files["receipt"]), "--json", "--server", module_server.url)
    job_id = json.loads(scanned.stdout)["id"]

    table = run("jobs", "--server", module_server.url)
    lines = run("jobs", "--json", "--status", "succeeded", "--server", module_server.url)

    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if job_id in line)
    for cell in ("receipt", "succeeded", "6.84 GBP", "receipt.jpg"):
        assert cell in row
    assert lines.returncode == 0, lines.stderr
    listed = [json.loads(line) for line in lines.stdout.splitlines()]
    assert job_id in {job["id"] for job in listed}
    assert {job["status"] for job in listed} == {"succeeded"}
    # Summaries by default; --full adds each job's result.
    assert all("result" not in job for job in listed)
    assert next(job for job in listed if job["id"] == job_id)["summary"]["total"] == "6.84"
    full = run("jobs", "--json", "--full", "--limit", "100", "--server", module_server.url)
    whole = [json.loads(line) for line in full.stdout.splitlines()]
    assert next(job for job in whole if job["id"] == job_id)["result"]["total"] == "6.84"


def test_inspect_shows_readiness_workers_and_queue_depth(module_server: Server) -> None:
    table = run("inspect", "--server", module_server.url)
    as_json = run("inspect", "--json", "--server", module_server.url)

    assert table.returncode == 0, table.stderr
    rows = {line.strip("│| ").split()[0]: line for line in table.stdout.splitlines() if "│" in line}
    assert "ready" in rows["Readiness"]
    assert "ok" in rows["Database"]
    assert rows["Workers"].split("│")[2].strip() == "1"
    assert "0 queued, 0 running" in rows["Lane"]
    assert {line.split("│")[1].strip() for line in table.stdout.splitlines() if "Lane" in line} == {
        "Lane paid",
        "Lane free",
    }
    assert "in 1m" in rows["Finished"]
    ready = json.loads(as_json.stdout)
    assert ready["status"] == "ok"
    assert ready["workers"] == 1
    (worker,) = ready["worker_list"]
    assert worker["id"].split("-")[-2] in table.stdout  # the pid, on the worker's row
    assert set(ready["queue_depth"]) == set(ready["running"]) == {"paid", "free"}
    assert {"en", "pl"} <= set(ready["ocr_languages"])
    assert "en, pl" in rows["OCR"]


def test_client_commands_without_a_server_fail_in_one_line(files: dict[str, Path]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    commands = (["jobs"], ["inspect"], ["scan", str(files["receipt"])])
    with ThreadPoolExecutor(len(commands)) as pool:
        runs = list(pool.map(lambda args: run(*args, "--server", nowhere), commands))
    for args, done in zip(commands, runs, strict=True):
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error: ")
        assert done.stderr.count("\n") == 1
        assert "unreachable" in done.stderr
        assert done.stdout == ""


def test_client_commands_default_to_the_embedded_servers_address() -> None:
    settings = Settings()
    assert f"http://{settings.host}:{settings.port}" == DEFAULT_SERVER
