"""The one Settings object (``FOODSCAN_`` environment variables); the only reader of os.environ.

Build it once at the edge (the CLI, the app factory) and pass it in; nothing imports a global.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class KindPolicy(BaseModel):
    """How long a job of one kind may run and how it is retried."""

    time_limit_s: float = Field(default=120.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=50)
    backoff_base_s: float = Field(default=2.0, ge=0)
    backoff_max_s: float = Field(default=300.0, ge=0)
    # A cap on one file of this kind, within max_upload_bytes; None: only that one applies.
    max_file_bytes: int | None = Field(default=None, ge=1)


RECIPE_MAX_FILE_BYTES = 5 * 1024 * 1024


def _default_kinds() -> dict[str, KindPolicy]:
    return {
        "receipt": KindPolicy(),
        "products": KindPolicy(),
        "recipe": KindPolicy(time_limit_s=30.0, max_file_bytes=RECIPE_MAX_FILE_BYTES),
    }


class PlanLimits(BaseModel):
    """What one user of a plan may submit; 0 or None turns a limit off."""

    # Jobs created in the last 60 s (idempotent replays and duplicate uploads are not new jobs).
    submits_per_minute: int | None = Field(default=None, ge=0)
    # Pages (an image is one page) of the jobs created in the last 24 hours.
    pages_per_day: int | None = Field(default=None, ge=0)
    # Jobs queued or running at once.
    active_jobs: int | None = Field(default=None, ge=0)


def _default_plans() -> dict[str, PlanLimits]:
    return {
        "free": PlanLimits(submits_per_minute=10, pages_per_day=200, active_jobs=20),
        "paid": PlanLimits(submits_per_minute=120, active_jobs=200),
    }


def _over_defaults(defaults: Mapping[str, BaseModel], value: object) -> object:
    """Entries given in the environment change the built-in defaults of that entry, key by key,
    rather than replacing every entry."""
    if not isinstance(value, dict):
        return value
    merged: dict[str, object] = {k: m.model_dump() for k, m in defaults.items()}
    for key, given in value.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(given, dict):
            merged[key] = {**base, **given}
        else:
            merged[key] = given
    return merged


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
    # s3://bucket/prefix?endpoint_url=…&region=… or file:///path; None: the local blob_dir.
    # Secret: its query may carry S3 credentials.
    blob_url: SecretStr | None = None
    tessdata_dir: Path | None = None
    # onnxruntime's CPU memory arena for RapidOCR: a third less CPU per read, ~0.6 GB resident.
    ocr_memory_arena: bool = True
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # Host names (the Host header, any port) answered besides loopback's. Without a secret key
    # only loopback names are answered unless listed here (DNS rebinding); with a key and an
    # empty list, every Host is.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Origins (scheme://host[:port]) whose pages may send state-changing requests and open the
    # WebSocket without a secret key, besides the server's own (a page behind a proxy).
    allowed_origins: list[str] = Field(default_factory=list)
    # Slow clients: the request head must arrive within header_timeout_s of its first byte (or
    # of the connection); the body may pause at most body_timeout_s between two reads.
    header_timeout_s: float = Field(default=10.0, gt=0)
    body_timeout_s: float = Field(default=30.0, gt=0)

    worker_concurrency: int = Field(default=2, ge=1, le=256)
    cpu_workers: int | None = Field(default=None, ge=1, le=256)
    lease_s: float = Field(default=30.0, gt=0)
    heartbeat_s: float = Field(default=5.0, gt=0)
    max_rescues: int = Field(default=3, ge=0)
    poll_s: float = Field(default=2.0, gt=0)
    kinds: dict[str, KindPolicy] = Field(default_factory=_default_kinds)
    lane_shares: dict[str, int] = Field(default_factory=lambda: {"paid": 4, "free": 1})
    fair_window: int = Field(default=200, ge=1)
    max_wait_s: float = Field(default=900.0, gt=0)

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
    # The collector schedule of ``foodscan serve`` (``foodscan.collector``): freezes what survives
    # each second so full collections skip thousands of open streams. Off until measured quiet.
    gc_schedule: bool = False
    # Event-stream tickets one user may be issued per 60 s; 0 turns the limit off.
    tickets_per_minute: int = Field(default=60, ge=0)

    local_user: str = "local"
    local_plan: str = "paid"

    plans: dict[str, PlanLimits] = Field(default_factory=_default_plans)
    # /metrics: without a token only loopback clients may scrape; with one, every scrape needs it.
    metrics_token: SecretStr | None = None
    # `foodscan worker` serves its own metrics on this port (on FOODSCAN_HOST); None: it does not.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # Completion webhooks, signed per Standard Webhooks with this whsec_<base64> secret.
    webhook_secret: SecretStr | None = None
    # A user's callback URL for the jobs that name none: {"alice": "https://…"}.
    webhook_urls: dict[str, str] = Field(default_factory=dict)
    # Let callback URLs reach loopback, private and link-local addresses (tests, one-box setups).
    webhook_allow_private: bool = False
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_base_s: float = Field(default=5.0, ge=0)
    webhook_backoff_max_s: float = Field(default=3600.0, ge=0)
    webhook_poll_s: float = Field(default=1.0, gt=0)

    # The optional vision-LLM (an OpenAI-compatible endpoint): off unless base URL and model are
    # both set.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_attempts: int = Field(default=3, ge=1, le=10)
    llm_backoff_base_s: float = Field(default=1.0, ge=0)
    llm_backoff_max_s: float = Field(default=30.0, ge=0)
    # The kinds that may call the model: products always; receipt and recipe below the confidence.
    llm_kinds: list[str] = Field(default_factory=lambda: ["products", "receipt", "recipe"])
    llm_min_confidence: float = Field(default=0.6, ge=0, le=1)
    llm_max_image_side: int = Field(default=1568, ge=64, le=8192)
    llm_breaker_failures: int = Field(default=5, ge=1)
    llm_breaker_open_s: float = Field(default=30.0, gt=0)
    llm_price_input_per_mtok: float = Field(default=0.0, ge=0)
    llm_price_output_per_mtok: float = Field(default=0.0, ge=0)

    @field_validator("kinds", mode="before")
    @classmethod
    def _over_kind_defaults(cls, value: object) -> object:
        """A kind set in the environment changes the built-in defaults of that kind (the recipe's
        30 s and 5 MB stay unless named), rather than replacing every kind's policy."""
        return _over_defaults(_default_kinds(), value)

    @field_validator("plans", mode="before")
    @classmethod
    def _over_plan_defaults(cls, value: object) -> object:
        """``FOODSCAN_PLANS__FREE__SUBMITS_PER_MINUTE=30`` keeps the free plan's other limits."""
        return _over_defaults(_default_plans(), value)

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        names = [name.strip().lower() for name in value]
        if any(not name or "/" in name or name.startswith(".") for name in names):
            raise ValueError("allowed hosts are host names such as foodscan.example.org")
        return names

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins = [origin.strip().lower().rstrip("/") for origin in value]
        if any(not origin.startswith(("http://", "https://")) for origin in origins):
            raise ValueError("allowed origins are scheme://host[:port], e.g. https://food.example")
        return origins

    @field_validator("lane_shares")
    @classmethod
    def _positive_shares(cls, value: dict[str, int]) -> dict[str, int]:
        if any(share < 1 for share in value.values()):
            raise ValueError("every lane's share must be at least 1")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _whsec(cls, value: SecretStr | None) -> SecretStr | None:
        """Standard Webhooks secrets are ``whsec_`` and the base64 of 24 to 64 random bytes."""
        if value is None:
            return None
        text = value.get_secret_value()
        try:
            key = base64.b64decode(text.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            key = b""
        if not text.startswith("whsec_") or not 24 <= len(key) <= 64:
            raise ValueError("the webhook secret is whsec_ and the base64 of 24-64 random bytes")
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _http_urls(cls, value: dict[str, str]) -> dict[str, str]:
        if any(not url.startswith(("http://", "https://")) for url in value.values()):
            raise ValueError("every default webhook URL must be http:// or https://")
        return value

    @model_validator(mode="after")
    def _urls_need_a_secret(self) -> Settings:
        """Default callback URLs without a secret would queue webhooks nobody can sign."""
        if self.webhook_urls and self.webhook_secret is None:
            raise ValueError("FOODSCAN_WEBHOOK_URLS needs FOODSCAN_WEBHOOK_SECRET")
        return self

    def policy(self, kind: str) -> KindPolicy:
        """The policy of ``kind``, or the default policy for a kind nobody configured."""
        return self.kinds.get(kind) or KindPolicy()

    def limits(self, plan: str) -> PlanLimits:
        """The limits of ``plan``; a plan nobody configured has none."""
        return self.plans.get(plan) or PlanLimits()

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

    @property
    def llm_enabled(self) -> bool:
        """Whether a vision-LLM is configured: it needs both a base URL and a model."""
        return bool(self.llm_base_url and self.llm_model)
