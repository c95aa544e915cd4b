"""source formats: an upload kept as it came beside the playable MP4 made from it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("videos", sa.Column("source_format", sa.String(length=8), nullable=True))
    op.add_column("videos", sa.Column("playable_size_bytes", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Without the columns the stored MP4 is the only file served: its size is the row's.
    op.execute(
        "UPDATE videos SET size_bytes = playable_size_bytes, content_type = 'video/mp4' "
        "WHERE playable_size_bytes IS NOT NULL"
    )
    # Plain ALTER TABLE (SQLite 3.35+ drops columns in place): a batch rebuild of the
    # videos table right after the UPDATE stopped on "database table is locked".
    op.drop_column("videos", "playable_size_bytes")
    op.drop_column("videos", "source_format")
