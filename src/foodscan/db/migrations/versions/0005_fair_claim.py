"""The fair claim order: each job's turn among its lane's jobs (``fair_tag``), the place last
announced to its client (``queue_position``), and the indexes that let a claim, a submit and a
position find their rows without scanning the queue (and the user's live jobs, for the limits);
the single-use tickets browsers open event streams with.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from foodscan.db.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_jobs_status_lane_fair_tag_created_at_id": [
        "status",
        "lane",
        "fair_tag",
        "created_at",
        "id",
    ],
    "ix_jobs_user_id_lane_fair_tag": ["user_id", "lane", "fair_tag"],
    "ix_jobs_status_created_at_id": ["status", "created_at", "id"],
    "ix_jobs_started_at": ["started_at"],
    # A user's queued and running jobs (the active-jobs limit) without reading their history.
    "ix_jobs_user_id_status": ["user_id", "status"],
}


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("fair_tag", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("queue_position", sa.Integer))
    for name, columns in _INDEXES.items():
        op.create_index(name, "jobs", columns)
    op.create_table(
        "event_tickets",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("plan", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
        sa.PrimaryKeyConstraint("digest", name="pk_event_tickets"),
    )
    op.create_index("ix_event_tickets_expires_at", "event_tickets", ["expires_at"])


def downgrade() -> None:
    op.drop_table("event_tickets")
    for name in _INDEXES:
        op.drop_index(name, table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("queue_position")
        batch.drop_column("fair_tag")
