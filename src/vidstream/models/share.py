"""Shares: a video given to one account, or to whoever holds a link.

A link share is found by the SHA-256 of its token (the token is shown once, when the
link is made, and never stored); its password, when it has one, is hashed like an
account password. A revoked share keeps its row, so its use stays on record, and is
never honoured again.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vidstream.models.base import Base, identifier, utcnow
from vidstream.models.token import hash_token

if TYPE_CHECKING:
    from vidstream.models.user import User
    from vidstream.models.video import Video

SHARE_TOKEN_BYTES = 24  # 192 random bits


def new_share_token() -> str:
    """A fresh link token (192 random bits, URL-safe); only its hash is stored."""
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


def new_share_id() -> str:
    """The id a share is managed by in the API (not a secret: it opens nothing)."""
    return secrets.token_urlsafe(9)


class ShareKind(enum.StrEnum):
    """Whom a share gives the video to."""

    LINK = "link"
    ACCOUNT = "account"


class Share(Base):
    """One grant of one video; deleted with the video (and with its recipient)."""

    __tablename__ = "shares"
    __table_args__ = (UniqueConstraint("video_id", "recipient_id", name="uq_shares_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(identifier(16), unique=True, default=new_share_id)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ShareKind] = mapped_column(
        Enum(
            ShareKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        )
    )
    # A link share: the token's hash and the link's options.
    token_sha256: Mapped[str | None] = mapped_column(identifier(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime | None]
    max_views: Mapped[int | None]
    allow_download: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An account share: who receives it (unique per video while the row exists).
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Use so far: how often the link was opened and how many views that made.
    opens: Mapped[int] = mapped_column(default=0, server_default="0")
    views: Mapped[int] = mapped_column(default=0, server_default="0")
    last_opened_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    video: Mapped[Video] = relationship()
    recipient: Mapped[User | None] = relationship()

    def expired(self, now: datetime) -> bool:
        """Whether the link's time is up."""
        return self.expires_at is not None and now >= self.expires_at

    @property
    def views_used_up(self) -> bool:
        """Whether the link has been viewed as often as it allows."""
        return self.max_views is not None and self.views >= self.max_views

    @staticmethod
    def hash(token: str) -> str:
        """What a link token is looked up by."""
        return hash_token(token)
