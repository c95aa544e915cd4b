"""A person who signs in and owns videos, and the role that says what they may do."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Enum, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vidstream.models.base import Base, identifier, utcnow

if TYPE_CHECKING:
    from vidstream.models.video import Video


def normalise_username(raw: str) -> str:
    """Usernames compare case-insensitively; store them lower-case."""
    return raw.strip().lower()


class Role(enum.StrEnum):
    """What an account may do beyond watching; each role includes the ones below it."""

    VIEWER = "viewer"  # watches what is shared with it and public videos
    MEMBER = "member"  # also uploads and shares
    ADMIN = "admin"  # also runs the site: accounts, jobs, storage, settings

    @property
    def rank(self) -> int:
        """Its place in the order viewer < member < admin."""
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        """Whether this role may do everything ``other`` may."""
        return self.rank >= other.rank


ROLE_TYPE = Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class User(Base):
    """An account. Usernames are stored lower-case, so uniqueness ignores case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(identifier(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        ROLE_TYPE, default=Role.MEMBER, server_default=Role.MEMBER.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Copied into each session at sign-in; bumping it ends every session made before.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set while an administrator has stopped the account: no sign-in, no token, no bytes.
    disabled_at: Mapped[datetime | None]
    # None: the site's default (site settings, else VIDSTREAM_USER_QUOTA_BYTES); 0: none.
    quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # Uploads per rolling day; None: the site's default; 0: no limit.
    daily_upload_limit: Mapped[int | None]
    # Written at most every few minutes by the session guard (web/sessions.py).
    last_seen_at: Mapped[datetime | None]

    videos: Mapped[list[Video]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_admin(self) -> bool:
        """Whether the account runs the site."""
        return self.role is Role.ADMIN

    @property
    def disabled(self) -> bool:
        """Whether an administrator has stopped the account."""
        return self.disabled_at is not None
