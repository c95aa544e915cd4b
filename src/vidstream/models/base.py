"""Declarative base shared by every model."""

from datetime import UTC, datetime

from sqlalchemy import MetaData, String
from sqlalchemy.dialects.mysql import VARCHAR
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# MySQL's default collations equate "admin" with "\u00e1dmin" and "ADMIN"; identifiers
# (names, public ids, token hashes) compare byte for byte instead, as on SQLite.
BINARY_COLLATION = "utf8mb4_bin"


def identifier(length: int) -> String:
    """A string column compared exactly, bytes for bytes, on every database."""
    return String(length).with_variant(VARCHAR(length, collation=BINARY_COLLATION), "mysql")


def utcnow() -> datetime:
    """Naive UTC now: MySQL DATETIME and SQLite both store it without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base class with a naming convention so migrations get stable constraint names."""

    metadata = MetaData(naming_convention=NAMING)
