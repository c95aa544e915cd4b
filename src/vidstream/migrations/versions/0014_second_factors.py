"""second factors: TOTP authenticators, recovery codes, passkeys

The "require two-factor sign-in" site setting is a row of ``site_settings`` (name
``require_two_factor``), which needs no schema change.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:45:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.mysql import VARCHAR

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _user_id(primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        index=not primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "totp_factors",
        _user_id(primary_key=True),
        sa.Column("secret_encrypted", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_id(),
        sa.Column("code_hash", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "webauthn_credentials",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_id(),
        sa.Column(
            "credential_sha256",
            sa.String(64).with_variant(VARCHAR(64, collation="utf8mb4_bin"), "mysql"),
            nullable=False,
            unique=True,
        ),
        sa.Column("credential_id", sa.LargeBinary(1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(4096), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.String(255), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("webauthn_credentials")
    op.drop_table("recovery_codes")
    op.drop_table("totp_factors")
    op.execute("DELETE FROM site_settings WHERE name = 'require_two_factor'")
