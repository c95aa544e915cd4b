"""roles: users.role replaces is_admin; disabled, quota, limits, last seen; site settings; invitations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never a batch copy: on SQLite a batch operation drops and
# recreates ``users``, and with foreign keys on, dropping it would cascade to every
# video, share and token. SQLite 3.35+ adds and drops these columns in place.
USER_COLUMNS = (
    ("disabled_at", sa.DateTime()),
    ("quota_bytes", sa.BigInteger()),
    ("daily_upload_limit", sa.Integer()),
    ("last_seen_at", sa.DateTime()),
)


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("role", sa.String(16), nullable=False, server_default="member")
    )
    for name, kind in USER_COLUMNS:
        op.add_column("users", sa.Column(name, kind, nullable=True))
    op.execute("UPDATE users SET role = 'admin' WHERE is_admin = 1")
    op.drop_column("users", "is_admin")
    op.create_table(
        "site_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("note", sa.String(100), nullable=False),
        sa.Column(
            "created_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column(
            "used_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("site_settings")
    op.add_column(
        "users", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute("UPDATE users SET is_admin = 1 WHERE role = 'admin'")
    for name, _kind in reversed(USER_COLUMNS):
        op.drop_column("users", name)
    op.drop_column("users", "role")
