"""A user's retries, which the rate limit counts with new jobs (issue 15, item 11).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from foodscan.db.tables import EventId, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_retries",
        sa.Column("id", EventId, autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_retries"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_retries_job_id_jobs", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_job_retries_user_id_created_at", "job_retries", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("job_retries")
