"""The optional local product catalogue, keyed by barcode.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from foodscan.db.tables import Json, UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_products",
        sa.Column("barcode", sa.String(32), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("brand", sa.Text),
        sa.Column("quantity", sa.Text),
        sa.Column("categories", sa.Text),
        sa.Column("nutrition", Json),
        sa.Column("allergens", Json, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("barcode", name="pk_catalog_products"),
    )


def downgrade() -> None:
    op.drop_table("catalog_products")
