"""The image and CI install the same OS packages, and the image ships what the wheel needs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tesseract_packages(text: str) -> set[str]:
    return set(re.findall(r"\btesseract-ocr(?:-[a-z]+)?\b", text))


def test_the_image_installs_the_tesseract_data_ci_tests_with() -> None:
    image = _tesseract_packages((ROOT / "Dockerfile").read_text())
    ci = _tesseract_packages((ROOT / ".ci" / "run").read_text())
    assert {"tesseract-ocr", "tesseract-ocr-rus"} <= ci
    assert image == ci


def test_the_image_copies_what_the_build_reads() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    readme = re.search(r'^readme = "([^"]+)"', pyproject, re.MULTILINE)
    assert readme is not None
    copied = " ".join(re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE))
    for needed in ("pyproject.toml", readme[1], "src"):
        assert needed in copied.split(), f"the Dockerfile does not copy {needed}"
