"""Every cookie-authenticated write, with a CSRF token that is missing, forged, another
session's or from a session that has ended: 400 with the CSRF message, no state change.

The routes come from the app's URL map, so a new write route without a case here fails
:func:`test_every_write_route_has_a_case`. Each case also sends the right token once, to
show that the refusals were about the token and nothing else.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.corpus import labelled
from tests.support.leftovers import nothing_left_behind
from tests.support.passkey_device import PasskeyDevice, add_passkey
from tests.support.tus import OCTETS, TUS_RESUMABLE, Tus
from tests.support.two_factor import SECRET, code_at, turn_on_totp
from vidstream.extensions import db
from vidstream.models import AccessToken, Role
from vidstream.services.auth.invitations import create_invitation
from vidstream.web.errors import CSRF_FAILED

PASSWORD = "correct horse battery"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Site:
    """A signed-in browser (alice, with a video, a token and an unfinished tus upload)
    and an anonymous one, as a forged request would find them."""

    app: Flask
    alice: AuthActions
    visitor: AuthActions
    video_id: str
    token_id: int
    upload_url: str
    sample: Path
    share_path: str
    share_id: str
    invite_token: str
    collection_id: str
    invite_id: int
    device: PasskeyDevice = field(default_factory=PasskeyDevice)


@pytest.fixture
def site(app: Flask, sample_mp4: Path) -> Site:
    """Alice's browser with something of each kind to change, and a visitor's browser."""
    alice = AuthActions(app.test_client())
    alice.signup("alice", PASSWORD)
    video_id = alice.upload(sample_mp4, json=True).get_json()["video"]["id"]
    caption = {"file": (io.BytesIO(CAPTION), "en.srt"), "language": "en"}
    added = alice.client.post(
        f"/api/videos/{video_id}/captions", data=caption, headers={"X-CSRFToken": alice.csrf()}
    )
    assert added.status_code == 201
    created = alice.client.post("/tokens", data={"name": "cli", "csrf_token": alice.csrf()})
    assert created.status_code == 201
    with app.app_context():
        token_id = db.session.scalars(select(AccessToken.id)).one()
    tus = Tus(alice.client, {"X-CSRFToken": alice.csrf()})
    upload_url = tus.create(10).headers["Location"]
    assert tus.patch(upload_url, 0, b"1").status_code == 204
    headers = {"X-CSRFToken": alice.csrf()}
    alice.client.patch(f"/api/videos/{video_id}", json={"visibility": "unlisted"}, headers=headers)
    link = alice.client.post(
        f"/api/videos/{video_id}/shares", json={"password": PASSWORD}, headers=headers
    ).get_json()["share"]
    share_path = link["url"].removeprefix("http://localhost")
    collection_id = alice.client.post(
        "/api/collections", json={"name": "Trips"}, headers=headers
    ).get_json()["collection"]["id"]
    alice.client.put(
        f"/api/collections/{collection_id}/videos", json={"videos": [video_id]}, headers=headers
    )
    AuthActions(app.test_client()).signup("bob", PASSWORD)  # alice, the first, is the admin
    with app.app_context():
        invitation, invite_token = create_invitation(None, Role.MEMBER)
        invite_id = invitation.id
    visitor = AuthActions(app.test_client())
    visitor.csrf()  # a session of its own, as a visitor of the sign-in page has
    return Site(
        app,
        alice,
        visitor,
        video_id,
        token_id,
        upload_url,
        sample_mp4,
        share_path,
        link["id"],
        invite_token,
        collection_id,
        invite_id,
    )


Send = Callable[[Site, AuthActions, str | None], Any]


class Write(NamedTuple):
    """How a browser sends one write request; ``signed_in``: as alice, or as a visitor."""

    signed_in: bool
    send: Send


def form(path: Callable[[Site], str], fields: dict[str, str] | None = None) -> Send:
    """A form post with ``fields`` and the token in ``csrf_token``."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        data = {**(fields or {}), **({"csrf_token": token} if token is not None else {})}
        return browser.client.post(path(site), data=data)

    return send


def script(
    method: str, path: Callable[[Site], str], headers: dict[str, str], body: bytes = b""
) -> Send:
    """A page script's request with the token in ``X-CSRFToken``."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        sent = {**headers, **({"X-CSRFToken": token} if token is not None else {})}
        return browser.client.open(path(site), method=method, headers=sent, data=body)

    return send


def share_unlock(suffix: str) -> Send:
    """A share link's password form, whose token is the signed one its page carries.

    The right token is that form token (the form works without a session, for embeds);
    a session's CSRF token, forged or missing, is refused like any wrong token.
    """

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        path = site.share_path + suffix
        if token is not None and token == browser.csrf():
            page = browser.client.get(path).get_data(as_text=True)
            token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        data = {"password": PASSWORD, **({"form_token": token} if token is not None else {})}
        return browser.client.post(path, data=data)

    return send


def json_script(method: str, path: Callable[[Site], str], body: str) -> Send:
    """A page script's JSON request with the token in ``X-CSRFToken``."""
    return script(method, path, {"Content-Type": "application/json"}, body.encode())


def _setup_code(browser: AuthActions) -> str:
    """Start an authenticator setup and read the code its secret gives now."""
    browser.client.post("/account/two-factor/totp", data={"csrf_token": browser.csrf()})
    found = SECRET.search(browser.client.get("/account/two-factor").get_data(as_text=True))
    assert found is not None
    return code_at(found.group(1), time.time())


CAPTION = b"1\n00:00:01,000 --> 00:00:02,000\nForged\n"


def caption_upload(path: Callable[[Site], str], *, header: bool) -> Send:
    """A caption file posted as multipart, the token in ``X-CSRFToken`` (``header``) or
    in the form's ``csrf_token`` field."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        data: dict[str, Any] = {"file": (io.BytesIO(CAPTION), "a.srt"), "language": "en"}
        headers = {}
        if token is not None and header:
            headers["X-CSRFToken"] = token
        elif token is not None:
            data["csrf_token"] = token
        return browser.client.post(path(site), data=data, headers=headers)

    return send


def upload_form(site: Site, browser: AuthActions, token: str | None) -> Any:
    """The upload form's multipart post of a valid MP4."""
    with open(site.sample, "rb") as fh:
        data: dict[str, Any] = {"filename": (fh, "clip.mp4")}
        if token is not None:
            data["csrf_token"] = token
        return browser.client.post("/upload", data=data)


def right_token(browser: AuthActions, token: str | None) -> bool:
    """Whether ``token`` is the browser's own (the one case that may change anything)."""
    return token is not None and token == browser.csrf()


def with_totp(then: Callable[[Site, str], Send]) -> Send:
    """A form needing an authenticator code: with the right token, alice turns one on first."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        code = ""
        if right_token(browser, token):
            secret, _codes = turn_on_totp(browser, time.time())
            code = code_at(secret, time.time() + 30)
        return then(site, code)(site, browser, token)

    return send


def with_passkey(then: Callable[[Site, int], Send]) -> Send:
    """A write on alice's passkey: with the right token, she registers one first."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        passkey_id = 999999
        if right_token(browser, token):
            passkey_id = add_passkey(site.alice, site.device).get_json()["passkey"]["id"]
        return then(site, passkey_id)(site, browser, token)

    return send


def passkey_answer(registering: bool) -> Send:
    """The passkey script's JSON post of an answer to options it asked for."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        headers = {"Accept": "application/json"}
        body: dict[str, Any] = {"credential": {}}
        if right_token(browser, token):
            if not registering:
                add_passkey(site.alice, site.device)
            ask = "/account/passkeys/options" if registering else "/signin/passkey/options"
            options = browser.client.post(ask, headers={**headers, "X-CSRFToken": token})
            answer = site.device.create if registering else site.device.get
            body = {"name": "key", "credential": answer(options.get_json())}
        path = "/account/passkeys" if registering else "/signin/passkey"
        sent = {**headers, **({"X-CSRFToken": token} if token is not None else {})}
        return browser.client.post(path, json=body, headers=sent)

    return send


def end_other_session(site: Site, browser: AuthActions, token: str | None) -> Any:
    """Sign out another session of alice's, named as her account page names it."""
    AuthActions(site.app.test_client()).signin("alice", PASSWORD)
    page = browser.client.get("/account").get_data(as_text=True)
    handle = page.split("/account/sessions/", 1)[1].split("/end", 1)[0]
    data = {"csrf_token": token} if token is not None else {}
    return browser.client.post(f"/account/sessions/{handle}/end", data=data)


def delete_account(json: bool) -> Send:
    """Alice deletes her own account (bob is made an admin, so she is not the last one)."""

    def send(site: Site, browser: AuthActions, token: str | None) -> Any:
        with site.app.app_context():
            db.session.execute(db.text("UPDATE users SET role='admin' WHERE username='bob'"))
            db.session.commit()
        if json:
            headers = {"X-CSRFToken": token} if token is not None else {}
            return browser.client.delete(
                "/api/account", json={"password": PASSWORD}, headers=headers
            )
        return form(lambda s: "/account/delete", {"password": PASSWORD})(site, browser, token)

    return send


WRITES: dict[str, Write] = {
    "auth.account_session_end": Write(True, end_other_session),
    "auth.account_delete": Write(True, delete_account(json=False)),
    "auth.api_account_delete": Write(True, delete_account(json=True)),
    "auth.signin": Write(
        False, form(lambda s: "/signin", {"username": "alice", "password": PASSWORD})
    ),
    "auth.signup": Write(
        False,
        form(lambda s: "/signup", {"username": "eve", "password": PASSWORD, "confirm": PASSWORD}),
    ),
    "auth.invitation": Write(
        False,
        form(
            lambda s: f"/invite/{s.invite_token}",
            {"username": "ivy", "password": PASSWORD, "confirm": PASSWORD},
        ),
    ),
    "auth.api_admin_user_change": Write(
        True,
        script(
            "PATCH",
            lambda s: "/api/admin/users/bob",
            {"Content-Type": "application/json"},
            b'{"role": "viewer"}',
        ),
    ),
    "auth.api_admin_user_delete": Write(
        True, script("DELETE", lambda s: "/api/admin/users/bob", {})
    ),
    "auth.api_admin_job_retry": Write(
        True, script("POST", lambda s: f"/api/admin/jobs/{s.video_id}/retry", {})
    ),
    "auth.api_admin_settings_change": Write(
        True, json_script("PATCH", lambda s: "/api/admin/settings", '{"signup": "invite"}')
    ),
    "auth.admin_user_change": Write(True, form(lambda s: "/admin/users/bob", {"role": "viewer"})),
    "auth.admin_user_state": Write(
        True, form(lambda s: "/admin/users/bob/state", {"disabled": "true"})
    ),
    "auth.admin_user_delete": Write(
        True, form(lambda s: "/admin/users/bob/delete", {"confirm": "bob"})
    ),
    "auth.admin_job_retry": Write(True, form(lambda s: f"/admin/jobs/{s.video_id}/retry")),
    "auth.admin_settings_save": Write(
        True, form(lambda s: "/admin/settings", {"signup": "invite", "default_daily_uploads": "9"})
    ),
    "auth.admin_invitations_create": Write(
        True, form(lambda s: "/admin/invitations", {"role": "admin", "days": "1"})
    ),
    "auth.admin_invitations_revoke": Write(
        True, form(lambda s: f"/admin/invitations/{s.invite_id}/revoke")
    ),
    "auth.signout": Write(True, form(lambda s: "/signout")),
    "auth.signout_everywhere": Write(True, form(lambda s: "/signout/everywhere")),
    "auth.account_password": Write(
        True,
        form(
            lambda s: "/account/password",
            {"current": PASSWORD, "password": "new password!", "confirm": "new password!"},
        ),
    ),
    "auth.tokens_create": Write(True, form(lambda s: "/tokens", {"name": "stolen"})),
    "auth.totp_setup": Write(True, form(lambda s: "/account/two-factor/totp")),
    "auth.totp_confirm": Write(
        True,
        lambda site, browser, token: form(
            lambda s: "/account/two-factor/totp/confirm",
            {"code": _setup_code(browser) if right_token(browser, token) else "123456"},
        )(site, browser, token),
    ),
    "auth.recovery_regenerate": Write(
        True,
        with_totp(
            lambda s, code: form(
                lambda s: "/account/two-factor/recovery", {"regenerate-code": code}
            )
        ),
    ),
    "auth.totp_disable": Write(
        True,
        with_totp(
            lambda s, code: form(
                lambda s: "/account/two-factor/totp/off", {"password": PASSWORD, "code": code}
            )
        ),
    ),
    "auth.passkey_options": Write(
        True, script("POST", lambda s: "/account/passkeys/options", {"Accept": "application/json"})
    ),
    "auth.passkey_register": Write(True, passkey_answer(registering=True)),
    "auth.passkey_remove": Write(
        True,
        with_passkey(lambda s, key: form(lambda s: f"/account/passkeys/{key}/remove")),
    ),
    "auth.signin_second_factor": Write(
        False, form(lambda s: "/signin/second-factor", {"code": "123456"})
    ),
    "auth.signin_passkey_options": Write(
        False, script("POST", lambda s: "/signin/passkey/options", {"Accept": "application/json"})
    ),
    "auth.signin_passkey": Write(False, passkey_answer(registering=False)),
    "auth.tokens_revoke": Write(True, form(lambda s: f"/tokens/{s.token_id}/revoke")),
    "upload.upload": Write(True, upload_form),
    "stream.delete": Write(True, form(lambda s: f"/stream/{s.video_id}/delete")),
    "stream.api_delete": Write(True, script("DELETE", lambda s: f"/api/videos/{s.video_id}", {})),
    "stream.edit": Write(
        True,
        form(lambda s: f"/stream/{s.video_id}/edit", {"title": "Forged", "visibility": "public"}),
    ),
    "stream.create_link_form": Write(True, form(lambda s: f"/stream/{s.video_id}/links")),
    "stream.share_with_person": Write(
        True, form(lambda s: f"/stream/{s.video_id}/people", {"username": "bob"})
    ),
    "stream.revoke_share": Write(
        True, form(lambda s: f"/stream/{s.video_id}/shares/{s.share_id}/revoke")
    ),
    "stream.api_edit": Write(
        True, json_script("PATCH", lambda s: f"/api/videos/{s.video_id}", '{"title": "Forged"}')
    ),
    "stream.api_share": Write(
        True, json_script("POST", lambda s: f"/api/videos/{s.video_id}/shares", '{"label": "x"}')
    ),
    "stream.api_unshare": Write(
        True,
        script("DELETE", lambda s: f"/api/videos/{s.video_id}/shares/{s.share_id}", {}),
    ),
    "stream.api_save_position": Write(
        True, json_script("PUT", lambda s: f"/api/videos/{s.video_id}/position", '{"seconds": 1}')
    ),
    "stream.share_page": Write(False, share_unlock("")),
    "stream.api_add_caption": Write(
        True, caption_upload(lambda s: f"/api/videos/{s.video_id}/captions", header=True)
    ),
    "stream.api_remove_caption": Write(
        True, script("DELETE", lambda s: f"/api/videos/{s.video_id}/captions/en", {})
    ),
    "stream.add_caption_form": Write(
        True, caption_upload(lambda s: f"/stream/{s.video_id}/captions", header=False)
    ),
    "stream.remove_caption_form": Write(
        True, form(lambda s: f"/stream/{s.video_id}/captions/en/delete")
    ),
    "stream.api_create_collection": Write(
        True, json_script("POST", lambda s: "/api/collections", '{"name": "Forged"}')
    ),
    "stream.api_edit_collection": Write(
        True,
        json_script("PATCH", lambda s: f"/api/collections/{s.collection_id}", '{"name": "F"}'),
    ),
    "stream.api_delete_collection": Write(
        True, script("DELETE", lambda s: f"/api/collections/{s.collection_id}", {})
    ),
    "stream.api_set_collection_videos": Write(
        True,
        json_script(
            "PUT", lambda s: f"/api/collections/{s.collection_id}/videos", '{"videos": []}'
        ),
    ),
    "stream.api_add_collection_video": Write(
        True,
        lambda site, browser, token: json_script(
            "POST",
            lambda s: f"/api/collections/{s.collection_id}/videos",
            f'{{"video": "{site.video_id}"}}',
        )(site, browser, token),
    ),
    "stream.api_remove_collection_video": Write(
        True,
        script("DELETE", lambda s: f"/api/collections/{s.collection_id}/videos/{s.video_id}", {}),
    ),
    "stream.create_collection_form": Write(True, form(lambda s: "/collections", {"name": "F"})),
    "stream.edit_collection_form": Write(
        True, form(lambda s: f"/collections/{s.collection_id}/edit", {"name": "Forged"})
    ),
    "stream.delete_collection_form": Write(
        True, form(lambda s: f"/collections/{s.collection_id}/delete")
    ),
    "stream.move_collection_video": Write(
        True,
        form(
            lambda s: f"/collections/{s.collection_id}/videos/{s.video_id}/move",
            {"direction": "down"},
        ),
    ),
    "stream.add_to_collection_form": Write(
        True,
        lambda site, browser, token: form(
            lambda s: f"/stream/{s.video_id}/collections", {"collection": site.collection_id}
        )(site, browser, token),
    ),
    "stream.remove_collection_video": Write(
        True, form(lambda s: f"/collections/{s.collection_id}/videos/{s.video_id}/remove")
    ),
    "stream.share_embed": Write(False, share_unlock("/embed")),
    "upload.tus.tus_create": Write(
        True, script("POST", lambda s: "/api/uploads/", {**TUS_RESUMABLE, "Upload-Length": "10"})
    ),
    "upload.tus.tus_patch": Write(
        True,
        script(
            "PATCH",
            lambda s: s.upload_url,
            {**TUS_RESUMABLE, "Upload-Offset": "1", "Content-Type": OCTETS},
            b"2",
        ),
    ),
    "upload.tus.tus_delete": Write(True, script("DELETE", lambda s: s.upload_url, TUS_RESUMABLE)),
    "upload.tus.tus_override": Write(
        True,
        script(
            "POST", lambda s: s.upload_url, {**TUS_RESUMABLE, "X-HTTP-Method-Override": "DELETE"}
        ),
    ),
}


# Writes that carry a signed token of their own instead of the session's CSRF token
# (sendBeacon cannot set a header), each refused without it in its own tests.
OWN_TOKEN = {"stream.watch_beacon": "tests/services/stream/test_analytics.py"}


def test_every_write_route_has_a_case(app: Flask) -> None:
    routes = {
        r.endpoint for r in app.url_map.iter_rules() if r.methods and r.methods & WRITE_METHODS
    }
    assert routes == WRITES.keys() | OWN_TOKEN.keys()


def signed_in_as(browser: AuthActions) -> str | None:
    """The name the browser's session is signed in as, or None."""
    user = browser.client.get("/api/session").get_json()["user"]
    return None if user is None else str(user["username"])


def bad_tokens(site: Site, browser: AuthActions) -> dict[str, Callable[[], str | None]]:
    """Each kind of wrong token, made on demand (making one may change the browser's session)."""

    def another_visitor() -> str:
        return AuthActions(site.app.test_client()).csrf()

    def same_user_elsewhere() -> str:
        other = AuthActions(site.app.test_client())
        assert other.signin("alice", PASSWORD).status_code == 302
        return other.csrf()

    def ended_session() -> str:
        old = browser.csrf()
        if signed_in_as(browser):
            browser.signout()
            assert browser.signin("alice", PASSWORD).status_code == 302
        else:
            browser.client.delete_cookie("vidstream_session")
            browser.csrf()
        return old

    kinds: dict[str, Callable[[], str | None]] = {
        "missing": lambda: None,
        "empty": lambda: "",
        "forged": lambda: "IjAxMjM0NTY3ODlhYmNkZWYi.Zz9xYQ.c2lnbmF0dXJlLWZvcmdlZA",
        "another_visitor": another_visitor,
        "ended_session": ended_session,
    }
    if signed_in_as(browser):
        kinds["same_user_other_session"] = same_user_elsewhere
    return kinds


@pytest.mark.parametrize("endpoint", WRITES)
def test_a_write_without_the_right_token_is_refused(site: Site, endpoint: str) -> None:
    write = WRITES[endpoint]
    browser = site.alice if write.signed_in else site.visitor
    for kind, make_token in bad_tokens(site, browser).items():
        token = make_token()
        who = signed_in_as(browser)
        with labelled(kind), nothing_left_behind(site.app):
            response = write.send(site, browser, token)
            assert response.status_code == 400
            assert CSRF_FAILED in response.get_data(as_text=True)
            assert signed_in_as(browser) == who
    accepted = write.send(site, browser, browser.csrf())
    assert accepted.status_code < 400, accepted.get_data(as_text=True)[:500]
