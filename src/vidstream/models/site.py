"""Site-wide settings an administrator changes, and invitations to create an account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, utcnow
from vidstream.models.user import ROLE_TYPE, Role


class SiteSetting(Base):
    """One named value; a missing row means the environment's (or the built-in) default."""

    __tablename__ = "site_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def new_invitation_token() -> str:
    """The secret part of an invitation link; only its SHA-256 is stored."""
    return secrets.token_urlsafe(24)


def hash_invitation(token: str) -> str:
    """What an invitation is looked up by (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class Invitation(Base):
    """A single-use link that creates one account with ``role`` before ``expires_at``."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE, default=Role.MEMBER)
    note: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    revoked_at: Mapped[datetime | None]

    def usable(self, now: datetime) -> bool:
        """Whether the link may still create an account."""
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
