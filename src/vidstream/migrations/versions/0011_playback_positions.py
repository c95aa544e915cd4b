"""playback: where each person stopped watching each video; a video's file chapters

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
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
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_playback_positions_video_id", "playback_positions", ["video_id"])
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("chapters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("chapters")
    op.drop_index("ix_playback_positions_video_id", "playback_positions")
    op.drop_table("playback_positions")
