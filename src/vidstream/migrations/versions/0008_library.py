"""library: search documents with a full-text index, tags, collections

The search document table gets the database's own full-text index: an FTS5 table
kept in step by triggers on SQLite, a FULLTEXT index on MariaDB/MySQL (InnoDB).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = "title, description, tags, captions"
NEW = "new.video_id, new.title, new.description, new.tags, new.captions"
OLD = "'delete', old.video_id, old.title, old.description, old.tags, old.captions"
# Fixed text built from the constants above; no value from outside reaches it.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE video_search_fts USING fts5("
    f"{COLUMNS}, content='video_search', content_rowid='video_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER video_search_fts_ai AFTER INSERT ON video_search BEGIN "  # noqa: S608
    f"INSERT INTO video_search_fts(rowid, {COLUMNS}) VALUES ({NEW}); END",
    "CREATE TRIGGER video_search_fts_ad AFTER DELETE ON video_search BEGIN "  # noqa: S608
    f"INSERT INTO video_search_fts(video_search_fts, rowid, {COLUMNS}) VALUES ({OLD}); END",
    "CREATE TRIGGER video_search_fts_au AFTER UPDATE ON video_search BEGIN "  # noqa: S608
    f"INSERT INTO video_search_fts(video_search_fts, rowid, {COLUMNS}) VALUES ({OLD}); "
    f"INSERT INTO video_search_fts(rowid, {COLUMNS}) VALUES ({NEW}); END",
]


def upgrade() -> None:
    op.create_index("ix_videos_owner_created", "videos", ["owner_id", "created_at", "id"])
    op.create_table(
        "video_tags",
        sa.Column(
            "video_id",
            sa.Integer(),
            sa.ForeignKey("videos.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(40), primary_key=True),
    )
    op.create_index("ix_video_tags_tag", "video_tags", ["tag", "video_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "collection_items",
        sa.Column(
            "collection_id",
            sa.Integer(),
            sa.ForeignKey("collections.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "video_id",
            sa.Integer(),
            sa.ForeignKey("videos.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_collection_items_video_id", "collection_items", ["video_id"])
    op.create_table(
        "video_search",
        sa.Column(
            "video_id",
            sa.Integer(),
            sa.ForeignKey("videos.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("captions", sa.Text(), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    op.execute(
        "INSERT INTO video_search (video_id, title, description, tags, captions) "
        "SELECT id, title, description, '', '' FROM videos"
    )
    if dialect in ("mysql", "mariadb"):
        # Made after the backfill: InnoDB builds a FULLTEXT index faster over existing rows.
        op.execute(f"CREATE FULLTEXT INDEX ix_video_search_fulltext ON video_search ({COLUMNS})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER video_search_fts_{name}")
        op.execute("DROP TABLE video_search_fts")
    op.drop_table("video_search")
    op.drop_table("collection_items")
    op.drop_table("collections")
    op.drop_table("video_tags")
    op.drop_index("ix_videos_owner_created", table_name="videos")
