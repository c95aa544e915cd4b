"""Migration 0002 on SQLite and (in the MariaDB pass) on MariaDB: up, data, down, up."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from tests.support.stores import TEST_DB
from vidstream import create_app
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import alembic_config, upgrade_database


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database with no tables: a SQLite file, or a new MariaDB database in that pass."""
    if not TEST_DB:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"vidstream_mig_{secrets.token_hex(4)}"
    server = sa.create_engine(TEST_DB)
    with server.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    yield TEST_DB.rstrip("/") + "/" + name
    with server.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    server.dispose()


def test_media_pipeline_migration(tmp_path: Path, empty_database: str) -> None:
    settings = load_settings(
        env={}, data_dir=tmp_path / "data", database_url=empty_database, secret_key="k" * 40
    )
    app = create_app(settings)
    upgrade_database(app, "0001")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO users (id, username, password_hash, is_admin, created_at) "
            "VALUES (1, 'old', 'x', 0, '2026-01-01 00:00:00')"
        ))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO videos (public_id, owner_id, title, original_filename, size_bytes, "
            "content_type, status, etag, created_at, updated_at) VALUES ('v1', 1, 't', 't.mp4', "
            "1, 'video/mp4', 'ready', 'e', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))  # fmt: skip

    upgrade_database(app)
    with app.app_context(), db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status, poster_ready, renditions FROM videos")).one()
        assert tuple(row) == ("ready_original", 0, None)
        assert conn.execute(sa.text("SELECT COUNT(*) FROM video_jobs")).scalar() == 0
        columns = {c["name"] for c in sa.inspect(conn).get_columns("videos")}
        assert {"poster_ready", "storyboard_ready", "renditions", "assets_version"} <= columns

    with app.app_context(), db.engine.begin() as conn:
        cfg = alembic_config(app.config["SQLALCHEMY_DATABASE_URI"])
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")  # undo the merge revision first
        command.downgrade(cfg, "0002@-1")
    with app.app_context(), db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "video_jobs" not in inspector.get_table_names()
        assert "poster_ready" not in {c["name"] for c in inspector.get_columns("videos")}
        assert "uploads" in inspector.get_table_names()  # the other branch stays

    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()


def test_every_migration_goes_down_and_up_again_and_matches_the_models(
    tmp_path: Path, empty_database: str
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from vidstream.models import Base
    from vidstream.models.search import compare_filters

    settings = load_settings(
        env={}, data_dir=tmp_path / "data", database_url=empty_database, secret_key="k" * 40
    )
    app = create_app(settings)
    upgrade_database(app)
    with app.app_context(), db.engine.begin() as conn:
        cfg = alembic_config(app.config["SQLALCHEMY_DATABASE_URI"])
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with app.app_context(), db.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade_database(app)
    with app.app_context(), db.engine.connect() as conn:
        # The full-text engine's objects (FTS5 tables, a FULLTEXT index) are not models.
        opts = {"compare_type": True, **compare_filters()}
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, Base.metadata) == []
        db.engine.dispose()


def test_binary_identifier_migration(tmp_path: Path, empty_database: str) -> None:
    settings = load_settings(
        env={}, data_dir=tmp_path / "data", database_url=empty_database, secret_key="k" * 40
    )
    app = create_app(settings)
    upgrade_database(app, "0004")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO users (id, username, password_hash, is_admin, created_at) "
            "VALUES (1, 'admin', 'x', 0, '2026-01-01 00:00:00')"
        ))  # fmt: skip
    lookalike = sa.text("SELECT COUNT(*) FROM users WHERE username = :name")

    def matches(name: str) -> int:
        with app.app_context(), db.engine.connect() as conn:
            return int(conn.execute(lookalike, {"name": name}).scalar() or 0)

    upgrade_database(app)
    assert matches("admin") == 1
    assert matches("\u00e1dmin") == 0 and matches("ADMIN") == 0
    with app.app_context(), db.engine.begin() as conn:
        cfg = alembic_config(app.config["SQLALCHEMY_DATABASE_URI"])
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    # Down again: MariaDB's default collation equates them once more; SQLite never did.
    assert matches("\u00e1dmin") == (1 if TEST_DB else 0)
    upgrade_database(app)
    assert matches("\u00e1dmin") == 0
    with app.app_context():
        db.engine.dispose()


def test_roles_migration_keeps_admins_and_every_video(tmp_path: Path, empty_database: str) -> None:
    """0007 turns is_admin into a role in place: no row of users, videos or shares is lost."""
    settings = load_settings(
        env={}, data_dir=tmp_path / "data", database_url=empty_database, secret_key="k" * 40
    )
    app = create_app(settings)
    upgrade_database(app, "0005")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES "
            "(1, 'boss', 'x', 1, '2026-01-01 00:00:00'), (2, 'pat', 'x', 0, '2026-01-01 00:00:00')"
        ))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO videos (public_id, owner_id, title, description, original_filename, "
            "size_bytes, content_type, status, etag, created_at, updated_at) VALUES ('v1', 2, "
            "'t', '', 't.mp4', 1, 'video/mp4', 'ready', 'e', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"
        ))  # fmt: skip
    upgrade_database(app, "0007")
    with app.app_context(), db.engine.connect() as conn:
        roles = conn.execute(sa.text("SELECT username, role FROM users ORDER BY id")).all()
        assert [tuple(r) for r in roles] == [("boss", "admin"), ("pat", "member")]
        assert conn.execute(sa.text("SELECT COUNT(*) FROM videos")).scalar() == 1
    with app.app_context(), db.engine.begin() as conn:
        cfg = alembic_config(app.config["SQLALCHEMY_DATABASE_URI"])
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    with app.app_context(), db.engine.connect() as conn:
        admins = conn.execute(sa.text("SELECT username FROM users WHERE is_admin = 1")).all()
        assert [r[0] for r in admins] == ["boss"]
        assert conn.execute(sa.text("SELECT COUNT(*) FROM videos")).scalar() == 1
        db.engine.dispose()
