"""The tables of foodscan (SQLAlchemy Core). Migrations must produce exactly this schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on every engine (SQLite stores it naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json: sa.types.TypeEngine[Any] = sa.JSON().with_variant(JSONB(), "postgresql")
EventId: sa.types.TypeEngine[int] = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("lane", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("step", sa.String(32)),
    sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("rescues", sa.Integer, nullable=False, server_default="0"),
    sa.Column("run_at", UtcDateTime, nullable=False),
    sa.Column("lease_owner", sa.String(100)),
    sa.Column("lease_token", sa.String(36)),
    sa.Column("lease_expires_at", UtcDateTime),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("idempotency_key", sa.String(200)),
    sa.Column("request_hash", sa.String(64)),
    sa.Column("inputs", Json, nullable=False),
    sa.Column("inputs_purged_at", UtcDateTime),
    sa.Column("lang", sa.String(16)),
    sa.Column("options", Json, nullable=False),
    sa.Column("client_metadata", Json),
    sa.Column("result", Json),
    sa.Column("error", Json),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime),
    sa.Column("finished_at", UtcDateTime),
    # Where the terminal event is POSTed (the submit's, else the user's default); None: nowhere.
    sa.Column("callback_url", sa.String(2048)),
    # The job's turn among its lane's jobs (``jobs.sql.fairness``): round robin between users.
    sa.Column("fair_tag", sa.BigInteger, nullable=False, server_default="0"),
    # The place in the queue last sent in a ``job.queued`` event (``jobs.announce``).
    sa.Column("queue_position", sa.Integer),
    sa.UniqueConstraint("user_id", "idempotency_key"),
    sa.Index(None, "status", "lane", "run_at"),
    sa.Index(None, "user_id", "created_at"),
    sa.Index(None, "status", "lease_expires_at"),
    sa.Index(None, "status", "finished_at"),
    sa.Index(None, "user_id", "request_hash"),
    sa.Index(None, "status", "lane", "fair_tag", "created_at", "id"),
    sa.Index(None, "user_id", "lane", "fair_tag"),
    sa.Index(None, "status", "created_at", "id"),
    sa.Index(None, "started_at"),
    sa.Index(None, "user_id", "status"),
)

job_events = sa.Table(
    "job_events",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    sa.Column(
        "job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index(None, "job_id", "id"),
    sa.Index(None, "user_id", "id"),
)

workers = sa.Table(
    "workers",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("concurrency", sa.Integer, nullable=False),
    sa.Column("kinds", Json, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
)

# The optional local product catalogue (``foodscan catalog import``), keyed by GTIN: EAN-8 as
# it is, UPC-A and EAN-13 as 13 digits (``recognition.barcodes.gtin_key``).
catalog_products = sa.Table(
    "catalog_products",
    metadata,
    sa.Column("barcode", sa.String(32), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("brand", sa.Text),
    sa.Column("quantity", sa.Text),
    sa.Column("categories", sa.Text),
    sa.Column("nutrition", Json),
    sa.Column("allergens", Json, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# One signed POST of a job's terminal event to its callback URL, retried with backoff: the row is
# the outbox (any worker claims a due one under a lease, like a job) and the record of attempts.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),  # the webhook-id header, the same per retry
    sa.Column(
        "job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("event_id", EventId, nullable=False),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the event JSON exactly as signed and sent
    sa.Column("state", sa.String(16), nullable=False),  # pending, delivered, failed
    sa.Column("attempts", Json, nullable=False),  # [{at, status_code, error}, …]
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("lease_token", sa.String(36)),
    sa.Column("lease_expires_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime),
    sa.UniqueConstraint("event_id"),
    sa.Index(None, "state", "next_attempt_at"),
    sa.Index(None, "job_id"),
)

# Short-lived, single-use tickets that let a browser's EventSource (which cannot send an
# Authorization header) open an event stream: only the SHA-256 of the ticket is stored.
event_tickets = sa.Table(
    "event_tickets",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("plan", sa.String(16), nullable=False),
    sa.Column("job_id", sa.String(36)),  # the one job it opens; None: the user's whole stream
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime),
    sa.Index(None, "expires_at"),
)

# A user's retry of a failed or cancelled job: the rate limit counts these with the jobs created
# in its window (a retry re-runs the job in full), the pages budget does not (the first run paid).
# Rows older than the rate window are pruned at the next retry of the user.
job_retries = sa.Table(
    "job_retries",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    sa.Column(
        "job_id", sa.String(36), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index(None, "user_id", "created_at"),
)
