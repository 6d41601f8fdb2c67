"""The image and CI need no OS package for OCR, and the image ships what the wheel needs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _tesseract_packages(text: str) -> set[str]:
    return set(re.findall(r"\btesseract-ocr(?:-[a-z]+)?\b", text))


def test_neither_the_image_nor_ci_installs_tesseract_the_package_ships_its_data() -> None:
    # CI runs the Russian tests without the OS packages: what `pip install foodscan` gets.
    assert _tesseract_packages((ROOT / "Dockerfile").read_text()) == set()
    assert _tesseract_packages((ROOT / ".ci" / "run").read_text()) == set()


def test_the_image_copies_what_the_build_reads() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    readme = re.search(r'^readme = "([^"]+)"', pyproject, re.MULTILINE)
    assert readme is not None
    copied = " ".join(re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE))
    for needed in ("pyproject.toml", readme[1], "src"):
        assert needed in copied.split(), f"the Dockerfile does not copy {needed}"


def test_the_compose_file_runs_two_apis_and_two_workers_on_one_database_and_store() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    built = {name: s for name, s in services.items() if s.get("build") == "."}
    commands = {name: tuple(s["command"]) for name, s in built.items()}
    assert sorted(commands.values()).count(("serve", "--no-worker")) == 2
    assert sorted(commands.values()).count(("worker",)) == 2
    assert ("migrate",) in commands.values()
    urls = {
        (s["environment"]["FOODSCAN_DATABASE_URL"], s["environment"]["FOODSCAN_BLOB_URL"])
        for s in built.values()
    }
    assert len(urls) == 1, "every process must share one database and one blob store"
    database, blobs = urls.pop()
    assert database.startswith("postgresql://")
    assert "@postgres:" in database
    assert blobs.startswith("s3://")
    assert "endpoint_url=http://minio:" in blobs
    keys = {s["environment"]["FOODSCAN_SECRET_KEY"] for s in built.values()}
    assert len(keys) == 1
    assert len(keys.pop()) >= 32
