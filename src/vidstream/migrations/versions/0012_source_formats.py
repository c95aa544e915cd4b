"""source formats: an upload kept as it came beside the playable MP4 made from it

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-07 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("source_format", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("playable_size_bytes", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Without the columns the stored MP4 is the only file served: its size is the row's.
    op.execute(
        "UPDATE videos SET size_bytes = playable_size_bytes, content_type = 'video/mp4' "
        "WHERE playable_size_bytes IS NOT NULL"
    )
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("playable_size_bytes")
        batch.drop_column("source_format")
