"""media pipeline: processing jobs and the derived files a video has

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("poster_ready", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("storyboard_ready", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("renditions", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("assets_version", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_videos_status"), ["status"], unique=False)
    op.create_table(
        "video_jobs",
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_video_jobs_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("video_id", name=op.f("pk_video_jobs")),
    )
    # Videos stored before processing existed have no derived files yet: hand them to
    # the pipeline (the start-up sweep picks them up) instead of calling them ready.
    op.execute(sa.text("UPDATE videos SET status = 'ready_original' WHERE status = 'ready'"))


def downgrade() -> None:
    op.drop_table("video_jobs")
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_videos_status"))
        batch_op.drop_column("assets_version")
        batch_op.drop_column("renditions")
        batch_op.drop_column("storyboard_ready")
        batch_op.drop_column("poster_ready")
