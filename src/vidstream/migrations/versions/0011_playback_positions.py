"""playback: where each person stopped watching each video; a video's file chapters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playback_positions",
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "video_id",
            sa.Integer(),
            sa.ForeignKey("videos.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_playback_positions_video_id", "playback_positions", ["video_id"])
    # Plain ALTER TABLE on every database: recreating ``videos`` (SQLite's batch mode)
    # would drop the search triggers that migration 0008 put on it.
    op.add_column("videos", sa.Column("chapters", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("videos", "chapters")
    # The table goes with its indexes (MariaDB refuses to drop the index first: its
    # foreign key needs it).
    op.drop_table("playback_positions")
