"""Running Alembic migrations against the app's database, and checking it is up to date.

``vidstream serve`` and ``vidstream worker`` call :func:`ensure_schema` before they
take any work. The embedded SQLite database is migrated there and then, under an
``flock`` in the data dir, so several processes starting together migrate it once.
An external database is migrated by the operator (``vidstream db upgrade``, compose's
``migrate`` service, the Kubernetes Job): a process that finds it behind refuses to
start with one line saying what to run, and ``/readyz`` says the same.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask

from vidstream import current
from vidstream.extensions import db

MIGRATIONS = Path(__file__).parent
LOCK_NAME = ".migrate.lock"


class SchemaBehind(RuntimeError):
    """The database schema is older than this code needs; the message says what to run."""


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(app: Flask, revision: str = "heads") -> None:
    """Bring the app's database schema up to ``revision`` (one process at a time on SQLite)."""
    settings = current.settings(app)
    embedded = settings.database_url.startswith("sqlite")
    lock = _migration_lock(settings.data_dir) if embedded else nullcontext()
    with lock, app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app.config["SQLALCHEMY_DATABASE_URI"])
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _current_heads(app: Flask) -> tuple[str, ...]:
    # Reading the revision is no migration: Alembic's "Context impl ..." lines would be noise.
    quiet = logging.getLogger("alembic.runtime.migration")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with app.app_context(), db.engine.connect() as connection:
            heads: tuple[str, ...] = MigrationContext.configure(connection).get_current_heads()
            return heads
    finally:
        quiet.setLevel(level)


def current_revision(app: Flask) -> str | None:
    """The revision(s) the database is at ("0002, 0003" on branches), or None if never migrated."""
    return ", ".join(sorted(_current_heads(app))) or None


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def required_revision() -> str:
    """The revision(s) this code's migrations end at."""
    return ", ".join(sorted(_script().get_heads()))


def check_schema(app: Flask) -> None:
    """Raise :class:`SchemaBehind` unless the database is at this code's revision.

    A database at a revision this code does not know was migrated by a newer release;
    that is not "behind", and is left to the operator.
    """
    heads = _current_heads(app)
    script = _script()
    if set(heads) == set(script.get_heads()):
        return
    try:
        for head in heads:
            script.get_revision(head)
    except CommandError:
        return
    found = f"at revision {', '.join(sorted(heads))}" if heads else "empty (no schema yet)"
    raise SchemaBehind(
        f"the database is {found}; this vidstream needs revision {required_revision()}: "
        "run `vidstream db upgrade`"
    )


@contextmanager
def _migration_lock(data_dir: Path) -> Iterator[None]:
    """One process at a time migrates the embedded database; the kernel drops a dead one's lock."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_NAME, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_schema(app: Flask) -> str:
    """Migrate the embedded SQLite database, or check an external one; return its revision.

    Raises :class:`SchemaBehind` for an external database that is not up to date.
    """
    if current.settings(app).database_url.startswith("sqlite"):
        upgrade_database(app)
    else:
        check_schema(app)
    return current_revision(app) or "none"
