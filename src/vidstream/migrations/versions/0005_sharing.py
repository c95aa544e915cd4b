"""sharing: video description and visibility; shares (links and accounts)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))
    op.execute("UPDATE videos SET description = ''")
    with op.batch_alter_table("videos") as batch:
        batch.alter_column("description", existing_type=sa.Text(), nullable=False)
        batch.add_column(
            sa.Column("visibility", sa.String(16), nullable=False, server_default="private")
        )
        batch.create_index("ix_videos_visibility", ["visibility"])
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "video_id",
            sa.Integer(),
            sa.ForeignKey("videos.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=True, unique=True),
        sa.Column("label", sa.String(100), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("max_views", sa.Integer(), nullable=True),
        sa.Column("allow_download", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column(
            "recipient_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
        sa.Column("opens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("views", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_opened_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("video_id", "recipient_id", name="uq_shares_recipient"),
    )


def downgrade() -> None:
    op.drop_table("shares")
    with op.batch_alter_table("videos") as batch:
        batch.drop_index("ix_videos_visibility")
        batch.drop_column("visibility")
        batch.drop_column("description")
