"""Invitations: single-use links, made by administrators, that create one account each.

Only the SHA-256 of an invitation's token is stored, as for access tokens. Using one
is a conditional update (``used_at`` still empty), so two people racing with the same
link cannot both get an account.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from vidstream.extensions import db
from vidstream.models import Invitation, Role, User
from vidstream.models.base import utcnow
from vidstream.models.site import hash_invitation, new_invitation_token
from vidstream.web.audit import record
from vidstream.web.errors import AppError

MAX_DAYS = 90
GONE = "This invitation does not exist, has been used or has expired."


def create_invitation(
    creator_id: int | None, role: Role, days: int = 7, note: str = ""
) -> tuple[Invitation, str]:
    """A new invitation for ``role``, valid for ``days``; returns the row and its token."""
    if not 1 <= days <= MAX_DAYS:
        raise AppError(400, f"An invitation lasts 1 to {MAX_DAYS} days.")
    token = new_invitation_token()
    invitation = Invitation(
        token_sha256=hash_invitation(token),
        role=role,
        note=note.strip()[:100],
        created_by_id=creator_id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.commit()
    detail = {"id": invitation.id, "role": role.value, "days": days}
    record("invitation_created", actor=creator_id, detail=detail)
    return invitation, token


def usable_invitation(token: str) -> Invitation:
    """The unused, unexpired invitation ``token``; 404 otherwise (one answer for all)."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_sha256 == hash_invitation(token))
    )
    if invitation is None or not invitation.usable(utcnow()):
        raise AppError(404, GONE)
    return invitation


def spend_invitation(invitation: Invitation, user: User) -> None:
    """Mark ``invitation`` used by ``user``; 404 if someone used it first (caller rolls back)."""
    spent = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=user.id)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise AppError(404, GONE)


def open_invitations() -> list[Invitation]:
    """Invitations nobody has used or revoked yet, newest first (expired ones included)."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.id.desc())
        )
    )


def revoke_invitation(invitation_id: int) -> None:
    """Stop an invitation from being used; revoking twice is harmless."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()
