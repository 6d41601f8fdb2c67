"""The wheel alone runs foodscan: built from this checkout, installed into a folder of its own,
and served from a directory with no checkout beside it — web page, migrations, OCR models'
paths, the taxonomy and the NLTK tagger data must all be inside it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import Server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
LANGS = ("eng", "osd", "pol", "rus")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("foodscan-*.whl")
    return built


def test_the_wheel_holds_the_files_foodscan_reads_at_run_time(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "foodscan/web/index.html",
        "foodscan/web/app.js",
        "foodscan/db/migrations/env.py",
        "foodscan/py.typed",
        *(f"foodscan/recognition/reading/tessdata/{lang}.traineddata" for lang in LANGS),
        "foodscan/recognition/reading/tessdata/LICENSE-tessdata",
    ):
        assert needed in names, f"{needed} is missing from the wheel"
    assert any(n.startswith("foodscan/db/migrations/versions/0001") for n in names)
    assert any(n.endswith("averaged_perceptron_tagger_eng.weights.json") for n in names)
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_the_installed_wheel_serves_with_no_checkout_beside_it(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    # The wheel's copy comes first on the path; the dependencies come from this environment.
    env |= {"PYTHONPATH": str(site), "FOODSCAN_DATA_DIR": str(elsewhere / "data")}
    where = subprocess.run(
        [sys.executable, "-c", "import foodscan; print(foodscan.__file__)"],
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert where.stdout.strip().startswith(str(site))

    server = Server(data_dir=elsewhere / "data", env=env)
    server.start()
    try:
        page = httpx.get(f"{server.url}/", timeout=10)
        assert page.status_code == 200
        assert "<html" in page.text.lower()
        recipe = b"Pancakes\n\nServes 2\n\nIngredients\n- 200 g flour\n- 2 eggs\n\nMethod\n1. Mix."
        files = {"file": ("pancakes.txt", recipe, "text/plain")}
        sent = httpx.post(f"{server.url}/v1/jobs", data={"kind": "recipe"}, files=files, timeout=10)
        assert sent.status_code == 202, sent.text
        job_id = sent.json()["job_id"]
        with httpx.stream("GET", f"{server.url}/v1/jobs/{job_id}/events", timeout=60) as response:
            last = [line for line in response.iter_lines() if line.startswith("data:")][-1]
        assert '"job.succeeded"' in last, last
    finally:
        server.stop()
