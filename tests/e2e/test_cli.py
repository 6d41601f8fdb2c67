"""The ``foodscan`` command line as a user runs it: real processes, real exit codes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from foodscan.auth import authenticate
from foodscan.settings import Settings
from tests.e2e.server import FOODSCAN

KEY = "k" * 40


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOODSCAN_")}
    return subprocess.run(
        [str(FOODSCAN), *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_token_mints_a_token_the_server_accepts() -> None:
    done = run("token", "--user", "alice", "--plan", "paid", FOODSCAN_SECRET_KEY=KEY)
    assert done.returncode == 0, done.stderr
    principal = authenticate(Settings(secret_key=KEY), f"Bearer {done.stdout.strip()}")
    assert (principal.user_id, principal.plan) == ("alice", "paid")


def test_token_without_a_key_is_a_one_line_error() -> None:
    done = run("token", "--user", "alice")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: ")
    assert "FOODSCAN_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_a_public_address_without_a_key(tmp_path: Path) -> None:
    done = run("serve", "--host", "0.0.0.0", FOODSCAN_DATA_DIR=str(tmp_path))  # noqa: S104
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0" in done.stderr
    assert not (tmp_path / "foodscan.db").exists()


def test_migrate_creates_the_embedded_database(tmp_path: Path) -> None:
    done = run("migrate", FOODSCAN_DATA_DIR=str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "data" / "foodscan.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"jobs", "job_events", "workers", "alembic_version"} <= tables
    assert "database schema created (revision " in done.stdout

    again = run("migrate", FOODSCAN_DATA_DIR=str(tmp_path / "data"))
    assert again.returncode == 0, again.stderr
    assert "database is up to date (revision " in again.stdout


def test_scan_usage_names_its_files_plainly() -> None:
    done = run("scan", "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: foodscan scan [OPTIONS] FILE..." in done.stdout
    assert "{" not in done.stdout.splitlines()[1]
