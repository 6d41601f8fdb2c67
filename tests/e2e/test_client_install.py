"""The client installed alone (``foodscan-client``, built from ``clients/python``) into a fresh
virtualenv: it carries no server dependency and drives a real server end to end.

``.ci/run`` builds that virtualenv (``.venv-client``) before the tests and sets
``FOODSCAN_TEST_CLIENT_PYTHON`` to its interpreter; elsewhere build it the same way::

    python -m venv .venv-client && .venv-client/bin/pip install ./clients/python
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import Server

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from importlib import metadata
import foodscan.client
from foodscan.client import Client

heavy = ["sqlalchemy", "numpy", "onnxruntime", "fastapi", "PIL", "foodscan.api", "foodscan.jobs"]
with Client(sys.argv[1]) as client:
    job = client.submit(sys.argv[2], kind="recipe")
    done = client.wait(job.job_id, timeout=60)
print(json.dumps({
    "loaded": [m for m in heavy if m in sys.modules],
    "installed": sorted(d.metadata["Name"].lower() for d in metadata.distributions()),
    "client_file": foodscan.client.__file__,
    "status": done.status,
    "title": (done.result or {}).get("title"),
}))
"""


def client_python() -> Path:
    given = os.environ.get("FOODSCAN_TEST_CLIENT_PYTHON")
    python = Path(given) if given else ROOT / ".venv-client" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no client-only virtualenv at {python}; see this module's docstring")
    return python


def test_the_client_alone_submits_and_waits_without_any_server_dependency(
    server: Server, tmp_path: Path
) -> None:
    python = client_python()
    recipe = tmp_path / "pancakes.txt"
    recipe.write_text("Pancakes\n\nIngredients\n2 eggs\n200 g flour\n\nMethod\n1. Mix.\n")

    done = subprocess.run(
        [str(python), "-c", SCRIPT, server.url, str(recipe)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["loaded"] == []
    assert "foodscan-client" in found["installed"]
    assert not {"foodscan", "sqlalchemy", "numpy", "onnxruntime"} & set(found["installed"])
    assert not found["client_file"].startswith(str(ROOT / "src"))
    assert (found["status"], found["title"]) == ("succeeded", "Pancakes")
