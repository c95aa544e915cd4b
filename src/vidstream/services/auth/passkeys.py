"""Passkeys (WebAuthn): registering them, and signing in with one. Rules and transactions.

The relying party is this site: its ID is the host name of ``VIDSTREAM_PUBLIC_URL``
when that is set, otherwise of the address the request came to (the browser itself
refuses a passkey for a host other than the page's, so a forged ``Host`` gains
nothing), and the expected origin goes with it. Every ceremony's challenge lives in
the server-side session, is taken out before it is checked (single use) and expires
after :data:`CHALLENGE_SECONDS`.

A passkey is a second factor after a password, and a sign-in of its own without one
("passwordless"): then it must be discoverable (a resident key) and the authenticator
must have verified its user (PIN or biometrics), so it stands for both factors.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import request, session
from sqlalchemy import select
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from vidstream import current
from vidstream.extensions import db
from vidstream.models import PasskeyCredential, User
from vidstream.models.base import utcnow
from vidstream.web.errors import AppError
from vidstream.web.text import clean_text

CHALLENGE = "webauthn_challenge"
CHALLENGE_SECONDS = 300
MAX_PASSKEYS = 20
RP_NAME = "vidstream"
REFUSED = "That passkey was not accepted. Try again, or use another way to sign in."


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: an ID (a host name) and the origin pages run at."""

    id: str
    origin: str


def relying_party() -> RelyingParty:
    """The public URL's host and origin, else those of the address the request came to."""
    parts = urlsplit(current.settings().public_url or request.host_url)
    return RelyingParty(parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}")


def user_handle(user_id: int) -> bytes:
    """The opaque handle a passkey stores for its account (no name, nothing personal)."""
    return hashlib.sha256(f"vidstream user {user_id}".encode()).digest()


def credential_digest(credential_id: bytes) -> str:
    """What a credential is looked up by."""
    return hashlib.sha256(credential_id).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _remember(kind: str, challenge: bytes, now: int, user_id: int | None = None) -> None:
    session[CHALLENGE] = {
        "kind": kind,
        "challenge": _b64(challenge),
        "until": now + CHALLENGE_SECONDS,
        "user_id": user_id,
    }


def _take_challenge(kind: str, now: int) -> tuple[bytes, int | None]:
    """The session's challenge for ``kind``, removed so it serves once; 400 without one."""
    saved = session.pop(CHALLENGE, None)
    if not isinstance(saved, dict) or saved.get("kind") != kind or saved.get("until", 0) < now:
        raise AppError(400, "This passkey request has expired. Try again.", code="passkey_expired")
    return base64url_to_bytes(saved["challenge"]), saved.get("user_id")


def passkeys(user_id: int) -> list[PasskeyCredential]:
    """The account's passkeys, oldest first."""
    return list(
        db.session.scalars(
            select(PasskeyCredential)
            .where(PasskeyCredential.user_id == user_id)
            .order_by(PasskeyCredential.id)
        )
    )


def _descriptors(user_id: int) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=row.credential_id,
            transports=[AuthenticatorTransport(t) for t in row.transports.split(",") if t],
        )
        for row in passkeys(user_id)
    ]


def registration_options(user: User, now: int) -> str:
    """The options (JSON) for ``navigator.credentials.create``: a discoverable, verified key."""
    rp = relying_party()
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=user_handle(user.id),
        user_display_name=user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(user.id),
    )
    _remember("register", options.challenge, now, user.id)
    return options_to_json(options)


def _transports(credential: dict[str, Any]) -> str:
    response = credential.get("response")
    listed = response.get("transports") if isinstance(response, dict) else None
    known = {t.value for t in AuthenticatorTransport}
    if not isinstance(listed, list):
        return ""
    return ",".join(t for t in listed if t in known)[:255]


def register(user_id: int, body: object, now: int) -> PasskeyCredential:
    """Check the browser's answer to :func:`registration_options` and keep the passkey."""
    expected, for_user = _take_challenge("register", now)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        raise AppError(400, "Send the passkey as {name, credential}.")
    if for_user != user_id or len(passkeys(user_id)) >= MAX_PASSKEYS:
        raise AppError(409, f"An account has at most {MAX_PASSKEYS} passkeys.")
    name = clean_text(str(body.get("name") or ""), 100, single_line=True) or "Passkey"
    rp = relying_party()
    try:
        verified = verify_registration_response(
            credential=body["credential"],
            expected_challenge=expected,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except WebAuthnException:
        raise AppError(400, "The passkey could not be checked. Try again.") from None
    row = PasskeyCredential(
        user_id=user_id,
        credential_sha256=credential_digest(verified.credential_id),
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(body["credential"]),
        name=name,
    )
    db.session.add(row)
    db.session.commit()
    return row


def authentication_options(user_id: int | None, now: int) -> str:
    """Options (JSON) for ``navigator.credentials.get``.

    For a second step, ``user_id``'s passkeys are offered; without one (passwordless)
    the browser offers the discoverable passkeys it holds for this site, and the
    authenticator must verify its user.
    """
    options = generate_authentication_options(
        rp_id=relying_party().id,
        allow_credentials=_descriptors(user_id) if user_id is not None else None,
        user_verification=UserVerificationRequirement.REQUIRED
        if user_id is None
        else UserVerificationRequirement.PREFERRED,
    )
    _remember("signin", options.challenge, now, user_id)
    return options_to_json(options)


def _stored(credential: dict[str, Any]) -> PasskeyCredential:
    raw = credential.get("rawId") or credential.get("id")
    try:
        credential_id = base64url_to_bytes(str(raw))
    except ValueError:
        raise AppError(401, REFUSED) from None
    row = db.session.scalar(
        select(PasskeyCredential).where(
            PasskeyCredential.credential_sha256 == credential_digest(credential_id)
        )
    )
    if row is None:
        raise AppError(401, REFUSED)
    return row


def _handle_matches(credential: dict[str, Any], user_id: int) -> bool:
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    try:
        return base64url_to_bytes(str(handle or "")) == user_handle(user_id)
    except ValueError:
        return False


def authenticate(body: object, now: int) -> User:
    """The account whose passkey answered :func:`authentication_options`; 401 otherwise."""
    expected, for_user = _take_challenge("signin", now)
    credential = body.get("credential") if isinstance(body, dict) else None
    if not isinstance(credential, dict):
        raise AppError(400, "Send the passkey's answer as {credential}.")
    row = _stored(credential)
    passwordless = for_user is None
    if (not passwordless and row.user_id != for_user) or (
        passwordless and not _handle_matches(credential, row.user_id)
    ):
        raise AppError(401, REFUSED)
    rp = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=expected,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
            require_user_verification=passwordless,
        )
    except WebAuthnException:
        raise AppError(401, REFUSED) from None
    row.sign_count, row.last_used_at = verified.new_sign_count, utcnow()
    db.session.commit()
    user = db.session.get(User, row.user_id)
    if user is None or user.disabled:
        raise AppError(403, "This account has been disabled. Ask an administrator.")
    return user


def remove(user_id: int, passkey_id: int) -> None:
    """Forget one of the account's passkeys (404 for anyone else's)."""
    row = db.session.scalar(
        select(PasskeyCredential).where(
            PasskeyCredential.id == passkey_id, PasskeyCredential.user_id == user_id
        )
    )
    if row is None:
        raise AppError(404, "No passkey with that id exists.")
    db.session.delete(row)
    db.session.commit()
