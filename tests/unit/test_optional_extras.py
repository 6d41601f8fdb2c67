"""The optional integrations are extras (``[s3]``: boto3, ``[llm]``: openai): the server and the
worker import neither until configured to use it, and without the extra the start-up error
says which one to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_server_and_the_worker_import_no_optional_integration() -> None:
    done = _python(
        """
        import sys
        import foodscan.serve, foodscan.worker.runtime, foodscan.pipelines.registry
        import foodscan.pipelines.receipt, foodscan.pipelines.products, foodscan.pipelines.recipe
        from foodscan.settings import Settings
        from foodscan.llm.client import build_provider
        from foodscan.blobs import blob_store_for
        settings = Settings(data_dir="/nonexistent-foodscan-test")
        assert build_provider(settings) is None
        blob_store_for(settings)
        extras = {"openai", "boto3", "botocore"}
        print(sorted(name for name in sys.modules if name.split(".")[0] in extras))
        """
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_extras_start_up_names_the_extra_to_install() -> None:
    done = _python(
        """
        import sys
        from pathlib import Path
        for name in ("openai", "boto3", "botocore"):
            sys.modules[name] = None  # not installed
        from foodscan.settings import Settings
        from foodscan.llm.client import LlmMissing, build_provider
        from foodscan.blobs import open_blob_store
        settings = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
        try:
            build_provider(settings)
        except LlmMissing as exc:
            print("llm:", exc)
        try:
            open_blob_store("s3://bucket/prefix", Path("/nonexistent-foodscan-test"))
        except ValueError as exc:
            print("s3:", exc)
        """
    )

    assert done.returncode == 0, done.stderr
    llm, s3 = done.stdout.splitlines()
    assert llm.startswith("llm: FOODSCAN_LLM_BASE_URL is set")
    assert "pip install 'foodscan[llm]'" in llm
    assert s3.startswith("s3: FOODSCAN_BLOB_URL names an S3 bucket")
    assert "pip install 'foodscan[s3]'" in s3
