"""captions: one WebVTT file per video and language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "captions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("language", sa.String(12), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column(
            "source",
            sa.Enum("upload", "file", name="captionsource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("video_id", "language", name="uq_captions_video_id"),
    )


def downgrade() -> None:
    op.drop_table("captions")
