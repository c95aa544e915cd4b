"""The sign-in after the password: a pending state until the second factor passes.

After a right password, an account with a second factor is not signed in: its session
holds only a pending state (the account, its session epoch, where to go next and an
expiry :data:`PENDING_SECONDS` away), which no permission check counts as signed in.
The second step's code or passkey turns it into a real session (a fresh id, as any
sign-in). An account the site requires a second factor of, and that has none, is
signed in but kept to the setup page (web/permissions.py) until it has one.
"""

from __future__ import annotations

import time

from flask import redirect, session
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from vidstream.extensions import db
from vidstream.models import PasskeyCredential, User
from vidstream.services.auth.totp import totp_on, turn_off
from vidstream.web.audit import record
from vidstream.web.permissions import SETUP_SECOND_FACTOR
from vidstream.web.sessions import start_session
from vidstream.web.site import two_factor_required
from vidstream.web.urls import safe_redirect_target, service_url

PENDING = "second_step"
PENDING_SECONDS = 300


def now() -> int:
    """The clock the pending state is judged by (a seam for tests)."""
    return int(time.time())


def has_passkeys(user_id: int) -> bool:
    """Whether the account has at least one passkey."""
    found = db.session.scalar(
        select(PasskeyCredential.id).where(PasskeyCredential.user_id == user_id).limit(1)
    )
    return found is not None


def has_second_factor(user_id: int) -> bool:
    """Whether sign-in asks this account for a second factor."""
    return totp_on(user_id) or has_passkeys(user_id)


def after_password(user: User, target: str | None) -> Response:
    """Sign in, or, for an account with a second factor, ask for it first."""
    if not has_second_factor(user.id):
        return complete_sign_in(user, target)
    session.clear()
    session[PENDING] = {
        "user_id": user.id,
        "epoch": user.session_epoch,
        "next": target or "",
        "until": now() + PENDING_SECONDS,
    }
    return redirect(service_url("auth.signin_second_factor"), code=303)


def pending_user() -> User | None:
    """The account waiting for its second factor, while the wait lasts."""
    state = session.get(PENDING)
    if not isinstance(state, dict) or state.get("until", 0) < now():
        return None
    user = db.session.get(User, state.get("user_id"))
    if user is None or user.disabled or user.session_epoch != state.get("epoch"):
        return None
    return user


def pending_target() -> str:
    """Where the pending sign-in was headed."""
    state = session.get(PENDING)
    return str(state.get("next") or "") if isinstance(state, dict) else ""


def complete_sign_in(user: User, target: str | None) -> Response:
    """Start the session; send an account the site requires a second factor of to set one up."""
    start_session(user)
    record("signin", actor=user, target_user=user)
    if two_factor_required() and not has_second_factor(user.id):
        session[SETUP_SECOND_FACTOR] = True
        return redirect(service_url("auth.two_factor"))
    return redirect(safe_redirect_target(target) or service_url("stream.library"))


def second_factor_set_up() -> None:
    """The account now has a second factor: the setup-only restriction ends."""
    session.pop(SETUP_SECOND_FACTOR, None)


def remove_second_factors(user_id: int) -> None:
    """Forget the account's authenticator app, recovery codes and passkeys (the operator's
    way back in for someone who lost them all)."""
    db.session.execute(delete(PasskeyCredential).where(PasskeyCredential.user_id == user_id))
    turn_off(user_id)
