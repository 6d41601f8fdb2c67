"""The one Settings object (``FOODSCAN_`` environment variables); the only reader of os.environ.

Build it once at the edge (the CLI, the app factory) and pass it in; nothing imports a global.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class KindPolicy(BaseModel):
    """How long a job of one kind may run and how it is retried."""

    time_limit_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=50)
    backoff_base_s: float = Field(default=2.0, ge=0)
    backoff_max_s: float = Field(default=300.0, ge=0)


def _default_kinds() -> dict[str, KindPolicy]:
    return {"receipt": KindPolicy(), "products": KindPolicy(), "recipe": KindPolicy()}


class Settings(BaseSettings):
    """Every knob of foodscan; nested ones use ``__``: ``FOODSCAN_KINDS__RECEIPT__TIME_LIMIT_S``."""

    model_config = SettingsConfigDict(
        env_prefix="FOODSCAN_",
        env_nested_delimiter="__",
        env_file=os.environ.get("FOODSCAN_ENV_FILE"),
        extra="ignore",
    )

    data_dir: Path = Path("foodscan-data")
    database_url: str | None = None
    blob_dir: Path | None = None
    tessdata_dir: Path | None = None
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    worker_concurrency: int = Field(default=2, ge=1, le=256)
    cpu_workers: int | None = Field(default=None, ge=1, le=256)
    lease_s: float = Field(default=30.0, gt=0)
    heartbeat_s: float = Field(default=5.0, gt=0)
    max_rescues: int = Field(default=3, ge=0)
    poll_s: float = Field(default=2.0, gt=0)
    kinds: dict[str, KindPolicy] = Field(default_factory=_default_kinds)

    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_files: int = Field(default=10, ge=1)
    max_pages: int = Field(default=20, ge=1)
    max_pixels: int = Field(default=50_000_000, ge=1)
    max_metadata_bytes: int = Field(default=4096, ge=2)

    upload_retention_days: float = Field(default=7.0, gt=0)
    job_retention_days: float = Field(default=90.0, gt=0)
    maintenance_interval_s: float = Field(default=60.0, gt=0)

    sse_heartbeat_s: float = Field(default=15.0, gt=0)
    sse_retry_ms: int = Field(default=3000, ge=0)

    local_user: str = "local"
    local_plan: str = "paid"

    def policy(self, kind: str) -> KindPolicy:
        """The policy of ``kind``, or the default policy for a kind nobody configured."""
        return self.kinds.get(kind) or KindPolicy()

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir if self.blob_dir is not None else self.data_dir / "blobs"

    @property
    def resolved_database_url(self) -> str:
        """The URL as the user gave it, or the embedded SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'foodscan.db').resolve()}"

    @property
    def cpu_pool_size(self) -> int:
        return self.cpu_workers or max(1, os.cpu_count() or 1)
