"""Authenticator-app codes (TOTP, RFC 6238) and recovery codes: the rules and transactions.

The secret is kept encrypted (:func:`seal`): Fernet under a key derived with HKDF from
the app's secret key, so a copy of the database alone yields no secret. A setup stays
unconfirmed, and sign-in does not ask for codes, until a code from the app has been
typed, so a mistyped setup never locks anyone out. A code is accepted for the time
step before, at or after now (clocks drift), and only for a step later than the last
one accepted: the update that records the step is conditional, so a code is taken
once even by two simultaneous requests.

Recovery codes are 80 random bits each (16 base32 letters), so a fast salted SHA-256
is enough (no password-style slow hash, which would make trying ten stored codes
slow); each is spent by a conditional update, once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, or_, select, update

from vidstream import current
from vidstream.extensions import db
from vidstream.models import RecoveryCode, TotpFactor
from vidstream.models.base import utcnow
from vidstream.web.errors import AppError

STEP_SECONDS = 30
RECOVERY_CODES = 10
ISSUER = "vidstream"
WRONG_CODE = "That code is not right, or it was already used. Try the next one."


def now() -> float:
    """The clock codes are judged by (a seam for tests)."""
    return time.time()


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"vidstream totp secrets"
    ).derive(current.settings().secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """The TOTP secret as stored: encrypted and authenticated."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The TOTP secret, or None when it was sealed under another secret key."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def factor(user_id: int) -> TotpFactor | None:
    """The account's authenticator app, confirmed or not."""
    return db.session.get(TotpFactor, user_id)


def start_setup(user_id: int) -> str:
    """A fresh, unconfirmed secret (replacing any unconfirmed one); 409 if one is in use."""
    row = factor(user_id)
    if row is not None and row.confirmed:
        raise AppError(409, "Two-factor sign-in is already on. Turn it off first to move apps.")
    secret = pyotp.random_base32()
    if row is None:
        db.session.add(TotpFactor(user_id=user_id, secret_encrypted=seal(secret)))
    else:
        row.secret_encrypted, row.created_at, row.last_step = seal(secret), utcnow(), None
    db.session.commit()
    return secret


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(text: str) -> bytes:
    """``text`` as a QR code in SVG (one path, no script, no style element)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg: str = image.to_string(encoding="unicode")
    return svg.encode()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, one before or one after) whose code is ``code``."""
    totp = pyotp.TOTP(secret)
    current_step = int(now() // STEP_SECONDS)
    for step in (current_step, current_step - 1, current_step + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _spend_step(user_id: int, code: str, *, confirming: bool) -> bool:
    """Accept ``code`` once: record its step, if later than the last one, in one update."""
    row = factor(user_id)
    if row is None or row.confirmed is confirming or not code.isdigit():
        return False
    secret = unseal(row.secret_encrypted)
    step = _matching_step(secret, code) if secret else None
    if step is None:
        return False
    values: dict[str, object] = {"last_step": step}
    if confirming:
        values["confirmed_at"] = utcnow()
    result = db.session.execute(
        update(TotpFactor)
        .where(
            TotpFactor.user_id == user_id,
            or_(TotpFactor.last_step.is_(None), TotpFactor.last_step < step),
        )
        .values(**values)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def confirm_setup(user_id: int, code: str) -> list[str]:
    """Turn the app on with a code it shows; return ten new recovery codes (shown once)."""
    if not _spend_step(user_id, _digits(code), confirming=True):
        raise AppError(422, WRONG_CODE)
    return new_recovery_codes(user_id)


def _digits(code: str) -> str:
    return "".join(code.split())


def totp_on(user_id: int) -> bool:
    """Whether sign-in asks this account for an authenticator code."""
    row = factor(user_id)
    return row is not None and row.confirmed


def _normal_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _hash_recovery(code: str, salt: str) -> str:
    return salt + "$" + hashlib.sha256((salt + code).encode()).hexdigest()


def new_recovery_codes(user_id: int) -> list[str]:
    """Replace the account's recovery codes with ten fresh ones, returned this once."""
    codes = []
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
        db.session.add(
            RecoveryCode(user_id=user_id, code_hash=_hash_recovery(raw, secrets.token_hex(8)))
        )
    db.session.commit()
    return codes


def _spend_recovery(user_id: int, code: str) -> bool:
    """Spend one unused recovery code matching ``code`` (once, even when raced)."""
    typed = _normal_recovery(code)
    if len(typed) != 16:
        return False
    rows = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for row in rows:
        salt = row.code_hash.partition("$")[0]
        if hmac.compare_digest(_hash_recovery(typed, salt), row.code_hash):
            result = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
            )
            db.session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]
    return False


def recovery_codes_left(user_id: int) -> int:
    """How many unused recovery codes the account has."""
    count = db.session.scalar(
        select(db.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


def check_code(user_id: int, code: str, *, recovery: bool = True) -> str:
    """Accept an authenticator code (or, unless told not to, a recovery code); 422 if wrong.

    Returns which kind was spent: ``"totp"`` or ``"recovery"``.
    """
    typed = _digits(code)
    if len(typed) == 6 and _spend_step(user_id, typed, confirming=False):
        return "totp"
    if recovery and _spend_recovery(user_id, code):
        return "recovery"
    raise AppError(422, WRONG_CODE)


def turn_off(user_id: int) -> None:
    """Forget the authenticator app and every recovery code."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))
    db.session.commit()
