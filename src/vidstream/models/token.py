"""Personal access tokens: how scripts and tus clients sign in without a browser."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, identifier, utcnow

TOKEN_PREFIX = "vs_"  # noqa: S105  (a marker that makes leaked tokens easy to find, not a secret)


def new_token() -> str:
    """A fresh secret token; only its hash is ever stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The hex SHA-256 a token is looked up by (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class AccessToken(Base):
    """A named token of one user; revoked tokens are kept so the list shows their history."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(identifier(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        """Whether the token still signs its owner in."""
        return self.revoked_at is None
