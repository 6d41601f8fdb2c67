"""An index to find a user's earlier job for the same upload (duplicate uploads).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_user_id_request_hash", "jobs", ["user_id", "request_hash"])


def downgrade() -> None:
    op.drop_index("ix_jobs_user_id_request_hash", table_name="jobs")
