"""The import-linter contracts guard: a forbidden import planted in a copy of the package fails
``lint-imports``, and the unchanged copy passes (so a failure is the plant's, not the copy's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

PLANTS = [
    ("pipelines/receipt.py", "from foodscan.jobs import store"),
    ("pipelines/products.py", "from foodscan.db import engine"),
    ("recognition/receipt/parse.py", "from foodscan.events import log"),
    ("llm/client.py", "from foodscan.api import schemas"),
    ("events/hub.py", "from foodscan.jobs import queue"),
    ("db/engine.py", "from foodscan.events import hub"),
    ("api/routes/jobs.py", "from foodscan.worker import runtime"),
    ("worker/runtime.py", "from foodscan.api import deps"),
    ("api/app.py", "from foodscan import serve"),
    ("api/intake.py", "from foodscan.pipelines import runnable"),
    ("client/aio.py", "from foodscan.api import schemas"),
    ("client/models.py", "import sqlalchemy"),
]


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / "foodscan",
        tmp_path / "src" / "foodscan",
        ignore=shutil.ignore_patterns("__pycache__", "*.onnx", "*.json", "web"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_as_it_is_keeps_every_contract(tree: Path) -> None:
    done = lint(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line"), PLANTS, ids=[f"{m}:{line}" for m, line in PLANTS])
def test_a_planted_forbidden_import_breaks_a_contract(tree: Path, module: str, line: str) -> None:
    path = tree / "src" / "foodscan" / module
    text = path.read_text()
    anchor = "from __future__ import annotations\n"
    path.write_text(text.replace(anchor, f"{anchor}\n{line}  # planted\n", 1))

    done = lint(tree)

    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout
