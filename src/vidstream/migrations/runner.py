"""Running Alembic migrations against the app's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from vidstream.extensions import db

MIGRATIONS = Path(__file__).parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(app: Flask, revision: str = "heads") -> None:
    """Bring the app's database schema up to ``revision``."""
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app.config["SQLALCHEMY_DATABASE_URI"])
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(app: Flask) -> str | None:
    """The revision(s) the database is at ("0002, 0003" on branches), or None if never migrated."""
    from alembic.runtime.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        heads: tuple[str, ...] = MigrationContext.configure(connection).get_current_heads()
        return ", ".join(sorted(heads)) or None
