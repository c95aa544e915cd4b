"""analytics: raw watch ranges, day salts, daily aggregates per video and per share

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "watch_ranges",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "share_id", sa.Integer(), sa.ForeignKey("shares.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("play", sa.String(16), nullable=False),
        sa.Column("viewer", sa.String(32), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_watch_ranges_video_day", "watch_ranges", ["video_id", "day"])
    op.create_index("ix_watch_ranges_viewer_received", "watch_ranges", ["viewer", "received_at"])
    op.create_index("ix_watch_ranges_share_id", "watch_ranges", ["share_id"])
    op.create_index("ix_watch_ranges_day", "watch_ranges", ["day"])
    op.create_table(
        "analytics_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("salt", sa.String(64), nullable=True),
        sa.Column("rolled_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "video_daily_stats",
        sa.Column(
            "video_id",
            sa.Integer(),
            sa.ForeignKey("videos.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("watch_ms", sa.BigInteger(), nullable=False),
        sa.Column("retention", sa.Text(), nullable=False),
    )
    op.create_index("ix_video_daily_stats_day", "video_daily_stats", ["day"])
    op.create_table(
        "share_daily_stats",
        sa.Column(
            "share_id",
            sa.Integer(),
            sa.ForeignKey("shares.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.Column("watch_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("share_daily_stats")
    op.drop_index("ix_video_daily_stats_day", "video_daily_stats")
    op.drop_table("video_daily_stats")
    op.drop_table("analytics_days")
    op.drop_table("watch_ranges")
