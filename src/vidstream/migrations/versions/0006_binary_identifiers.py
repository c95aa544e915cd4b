"""identifiers compare byte for byte on MySQL/MariaDB (binary collation)

MySQL's default utf8mb4 collations ignore accents, case and (on MySQL 8) width, so a
sign-in as "\u00e1dmin" found the account "admin". SQLite compares bytes already, so
there this revision changes nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-12 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.mysql import VARCHAR

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, column, length, nullable)
IDENTIFIERS = (
    ("users", "username", 32, False),
    ("videos", "public_id", 32, False),
    ("uploads", "public_id", 32, False),
    ("uploads", "video_public_id", 32, True),
    ("access_tokens", "token_sha256", 64, False),
    ("shares", "public_id", 16, False),
    ("shares", "token_sha256", 64, True),
)


def _collate(binary: bool) -> None:
    if op.get_bind().dialect.name != "mysql":
        return
    for table, column, length, nullable in IDENTIFIERS:
        # Without a collation the column takes its table's default again.
        new = VARCHAR(length, collation="utf8mb4_bin") if binary else sa.String(length)
        op.alter_column(
            table,
            column,
            existing_type=sa.String(length),
            type_=new,
            existing_nullable=nullable,
        )


def upgrade() -> None:
    _collate(binary=True)


def downgrade() -> None:
    _collate(binary=False)
