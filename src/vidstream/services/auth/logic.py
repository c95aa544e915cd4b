"""Account rules and transactions: creating users and checking passwords."""

from __future__ import annotations

import re

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from vidstream.extensions import db
from vidstream.media_index import publish_epoch
from vidstream.models import Invitation, Role, SiteSetting, User
from vidstream.models.user import normalise_username
from vidstream.services.auth.invitations import spend_invitation
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.session_list import end_every_session
from vidstream.web.site import has_accounts, stored

# Checked against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("vidstream-timing-equaliser")

BAD_CREDENTIALS = "Unknown username or wrong password."
# Every name sign-up accepts, lower-cased (forms.SignUpForm's rule).
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")


# A site setting only the first account's transaction can insert: two sign-ups racing
# on an empty installation both see no accounts, but only one of them becomes admin.
FIRST_ADMIN = "first_admin"


def create_user(
    username: str, password: str, *, role: Role | None = None, invitation: Invitation | None = None
) -> User:
    """Insert a new account; 409 if the name is taken (even by a concurrent sign-up).

    Without a ``role``, the first account of an empty installation is its admin and
    every later one a member. With an ``invitation``, the account gets its role and
    the invitation is spent in the same transaction.
    """
    if invitation is not None:
        role = invitation.role
    if role is None and not has_accounts():
        _forget_stale_claim()
        try:
            return _insert_user(username, password, Role.ADMIN, claim_first=True)
        except _LostFirstClaim:
            pass  # a concurrent sign-up became the admin: this one is a member
    return _insert_user(username, password, role or Role.MEMBER, invitation=invitation)


class _LostFirstClaim(Exception):
    """Another account claimed the empty installation's admin role first."""


def _insert_user(
    username: str,
    password: str,
    role: Role,
    *,
    invitation: Invitation | None = None,
    claim_first: bool = False,
) -> User:
    """One transaction: the account, its invitation spent, or the first-admin claim."""
    user = User(
        username=normalise_username(username),
        password_hash=generate_password_hash(password),
        role=role,
    )
    db.session.add(user)
    try:
        if claim_first:
            db.session.add(SiteSetting(name=FIRST_ADMIN, value=user.username))
        if invitation is not None:
            db.session.flush()
            spend_invitation(invitation, user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if claim_first and _claimed_by_other():
            raise _LostFirstClaim from None
        raise AppError(409, f"The username {user.username!r} is already taken.") from None
    except AppError:
        db.session.rollback()
        raise
    if invitation is not None:
        detail = {"invitation": invitation.id, "role": role.value}
        record("invitation_used", actor=user, target_user=user, detail=detail)
    return user


def _forget_stale_claim() -> None:
    """Drop the claim left by an earlier first account once every account is gone."""
    if stored(FIRST_ADMIN) is not None:
        db.session.execute(delete(SiteSetting).where(SiteSetting.name == FIRST_ADMIN))
        db.session.commit()


def _claimed_by_other() -> bool:
    """Whether a committed first-admin claim exists (another sign-up won the race)."""
    return stored(FIRST_ADMIN) is not None


def authenticate(username: str, password: str) -> User:
    """The user with these credentials; 401 with one message for any failure.

    A name no account can have is refused without asking the database, whose
    collation might equate it with a real one, yet after the same password check.
    """
    name = normalise_username(username)
    user = None
    if USERNAME_PATTERN.fullmatch(name):
        user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise AppError(401, BAD_CREDENTIALS)
    if not check_password_hash(user.password_hash, password):
        raise AppError(401, BAD_CREDENTIALS)
    if user.disabled:
        raise AppError(403, "This account has been disabled. Ask an administrator.")
    return user


def record_failed_sign_in(username: str, error: AppError) -> None:
    """Audit a refused sign-in: the name tried, mapped to its account when there is one."""
    name = normalise_username(username)
    user = None
    if USERNAME_PATTERN.fullmatch(name):
        user = db.session.scalar(select(User).where(User.username == name))
    detail = {"username": name[:64], "status": error.status}
    record("signin_failed", target_user=user, detail=detail)


def end_all_sessions(user_id: int) -> int:
    """Move the user's session epoch, so every session signed in before is refused."""
    db.session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1)
    )
    db.session.commit()
    epoch = int(db.session.scalar(select(User.session_epoch).where(User.id == user_id)) or 0)
    publish_epoch(user_id, epoch)
    end_every_session(user_id)
    return epoch


def change_password(user_id: int, current: str, new: str) -> User:
    """Replace the password after checking the current one; other sessions end."""
    user = db.session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, current):
        raise AppError(403, "The current password is not correct.")
    user.password_hash = generate_password_hash(new)
    user.session_epoch = user.session_epoch + 1
    db.session.commit()
    publish_epoch(user.id, user.session_epoch)
    end_every_session(user.id)
    record("password_changed", actor=user, target_user=user)
    return user
