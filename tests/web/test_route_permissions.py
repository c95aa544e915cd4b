"""The route permission table, walked over the whole URL map for every kind of caller.

Every rule of every service, with every method it answers, is requested by nobody, a
viewer, a member, an admin and a member's Bearer token. Each answer must be the one
web/permissions.py declares: 401 for nobody where an account is needed, 403 with
``role_required`` where the role is too low, 403 for a token where a browser session
is needed, and otherwise whatever the view itself says (never the permission check's
refusals). An endpoint missing from the table fails here, and at run time is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.support.accounts import AuthActions
from vidstream.extensions import db
from vidstream.models import Role
from vidstream.services.auth.tokens import create_token
from vidstream.web.permissions import ROUTE_PERMISSIONS, Need

PLACEHOLDERS: dict[str, Any] = {
    "public_id": "zzzzzzzzzzzzzzzzzzzzzz",
    "token": "no-such-token",
    "grant": "no-such-grant",
    "rendition": "360p",
    "name": "index.m3u8",
    "share_id": "no-such-share",
    "upload_id": "no-such-upload",
    "token_id": 999999,
    "invitation_id": 999999,
    "passkey_id": 999999,
    "filename": "vidstream.css",
    "username": "nobody-here",
    "collection_id": "no-such-collection",
    "video_id": "zzzzzzzzzzzzzzzzzzzzzz",
    "handle": "no-such-session",
    "language": "en",
}
CALLERS = ("anonymous", "viewer", "member", "admin", "member token")
# Requests that end the caller's session go last.
LAST = ("auth.signout_everywhere", "auth.signout")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limits": False}


def _requests(app: Flask) -> list[tuple[Rule, str, str]]:
    found = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        # HEAD where GET stands for it; OPTIONS only where it is the rule's own method.
        methods = sorted(
            rule.methods - {"OPTIONS"} - ({"HEAD"} if "GET" in rule.methods else set())
        )
        methods = methods or ["OPTIONS"]
        args = {k: PLACEHOLDERS[k] for k in rule.arguments}
        path = adapter.build(rule.endpoint, args, method=methods[0])
        found += [(rule, method, path) for method in methods]

    def order(request: tuple[Rule, str, str]) -> tuple[int, str, str, str]:
        rule, method, path = request
        return (
            LAST.index(rule.endpoint) if rule.endpoint in LAST else -1,
            rule.endpoint,
            path,
            method,
        )

    return sorted(found, key=order)


def _caller(app: Flask, who: str) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    if who == "anonymous":
        return client, {"X-CSRFToken": AuthActions(client).csrf()}
    actions = AuthActions(client)
    actions.signin(who.split()[0], "correct horse")
    if who.endswith("token"):
        with app.app_context():
            user_id = db.session.execute(db.text("SELECT id FROM users WHERE username='member'"))
            _row, secret = create_token(user_id.scalar_one(), "matrix")
        return app.test_client(), {"Authorization": f"Bearer {secret}"}
    return client, {"X-CSRFToken": actions.csrf()}


def _expected_refusal(need: Need, who: str) -> tuple[int, str] | None:
    if need is Need.ANYONE:
        return None
    if who == "anonymous":
        return 401, "sign_in_required"
    if need is Need.SESSION and who.endswith("token"):
        return 403, "forbidden"
    role = Role(who.split()[0])
    wanted = {Need.MEMBER: Role.MEMBER, Need.ADMIN: Role.ADMIN}.get(need)
    if wanted is not None and not role.includes(wanted):
        return 403, "role_required"
    return None


def _accounts(app: Flask) -> None:
    from vidstream.services.auth.logic import create_user

    with app.app_context():
        for name, role in (("admin", Role.ADMIN), ("member", Role.MEMBER), ("viewer", Role.VIEWER)):
            create_user(name, "correct horse", role=role)


def test_every_endpoint_has_a_declared_permission(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ROUTE_PERMISSIONS.keys() == set(), "declare these in web/permissions.py"
    # "home" is the redirect a process without the auth service adds in its place.
    stale = ROUTE_PERMISSIONS.keys() - endpoints - {"home"}
    assert stale == set(), "these are declared but not routes"


@pytest.mark.parametrize("who", CALLERS)
def test_every_route_answers_each_caller_as_declared(app: Flask, who: str) -> None:
    _accounts(app)
    client, headers = _caller(app, who)
    headers = {**headers, "Accept": "application/json"}
    checked = 0
    for rule, method, path in _requests(app):
        response = client.open(path, method=method, headers=headers)
        body = response.get_json(silent=True) or {}
        code = body.get("error", {}).get("code") if isinstance(body, dict) else None
        where = f"{who}: {method} {path} ({rule.endpoint}) -> {response.status_code} {code}"
        refusal = _expected_refusal(ROUTE_PERMISSIONS[rule.endpoint], who)
        if refusal is not None:
            if method == "HEAD":  # no body to read the code from
                assert response.status_code == refusal[0], where
            else:
                assert (response.status_code, code) == refusal, where
        else:
            assert response.status_code != 401 or rule.endpoint.startswith("stream."), where
            assert code not in ("role_required", "undeclared_route", "sign_in_required") or (
                rule.endpoint.startswith("stream.") and code == "sign_in_required"
            ), where
            assert response.status_code < 500, where
        checked += 1
    assert checked >= len(ROUTE_PERMISSIONS)


def test_a_route_nobody_declared_is_refused_at_run_time(app: Flask, auth: AuthActions) -> None:
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    auth.signup("owner")
    response = auth.client.get("/forgotten", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "undeclared_route"


def test_a_viewer_cannot_upload_or_share_but_watches(app: Flask, client: FlaskClient) -> None:
    _accounts(app)
    viewer = AuthActions(client)
    viewer.signin("viewer", "correct horse")
    assert client.get("/upload").status_code == 403
    assert client.get("/stream").status_code == 200
    assert client.get("/shared").status_code == 200
    assert b'href="/upload"' not in client.get("/stream").data
