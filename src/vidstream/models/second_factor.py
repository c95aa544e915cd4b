"""Second factors of an account: a TOTP authenticator, its recovery codes, and passkeys.

The TOTP secret is stored encrypted (Fernet, keyed from the app's secret key; see
services/auth/second_factor/secrets.py), recovery codes only as salted SHA-256, and a
passkey as the public key its authenticator made. Every row goes with its account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, identifier, utcnow


class TotpFactor(Base):
    """An account's authenticator app: unconfirmed until a code from it has been typed."""

    __tablename__ = "totp_factors"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The last 30-second time step a code was accepted for: no code is taken twice.
    last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def confirmed(self) -> bool:
        """Whether sign-in asks for its codes (setup proved the app shows right ones)."""
        return self.confirmed_at is not None


class RecoveryCode(Base):
    """One single-use recovery code, stored as ``salt$sha256(salt + code)``."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class PasskeyCredential(Base):
    """A WebAuthn credential (passkey), looked up by the SHA-256 of its credential id."""

    __tablename__ = "webauthn_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Credential ids reach 1023 bytes, too long for a unique index on every database.
    credential_sha256: Mapped[str] = mapped_column(identifier(64), unique=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(4096))
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
