"""Personal access tokens: creating, listing and revoking them (rules and transactions).

The secret is returned once, when it is created; only its SHA-256 is stored. Bearer
authentication itself lives in :mod:`vidstream.web.access`, the one place access is decided.
"""

from __future__ import annotations

from sqlalchemy import select

from vidstream.extensions import db
from vidstream.models import AccessToken
from vidstream.models.base import utcnow
from vidstream.models.token import hash_token, new_token
from vidstream.web.audit import record
from vidstream.web.errors import AppError

MAX_ACTIVE_TOKENS = 50


def create_token(user_id: int, name: str) -> tuple[AccessToken, str]:
    """Create a token named ``name`` for ``user_id``; return the row and the secret."""
    name = name.strip()[:100]
    if not name:
        raise AppError(400, "Give the token a name, such as the script that will use it.")
    active = db.session.scalar(
        select(db.func.count())
        .select_from(AccessToken)
        .where(AccessToken.owner_id == user_id, AccessToken.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_TOKENS:
        raise AppError(409, f"You already have {MAX_ACTIVE_TOKENS} tokens; revoke one first.")
    secret = new_token()
    token = AccessToken(owner_id=user_id, name=name, token_sha256=hash_token(secret))
    db.session.add(token)
    db.session.commit()
    record(
        "token_created", actor=user_id, target_user=user_id, detail={"id": token.id, "name": name}
    )
    return token, secret


def list_tokens(user_id: int) -> list[AccessToken]:
    """The user's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(AccessToken)
            .where(AccessToken.owner_id == user_id)
            .order_by(AccessToken.revoked_at.is_not(None), AccessToken.id.desc())
        )
    )


def revoke_token(user_id: int, token_id: int) -> AccessToken:
    """Revoke one of the user's tokens (404 for anyone else's); revoking twice is harmless."""
    token = db.session.scalar(
        select(AccessToken).where(AccessToken.id == token_id, AccessToken.owner_id == user_id)
    )
    if token is None:
        raise AppError(404, "No token with that id exists.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        detail = {"id": token.id, "name": token.name}
        record("token_revoked", actor=user_id, target_user=user_id, detail=detail)
    return token
