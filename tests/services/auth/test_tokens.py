"""Personal access tokens: the pages, the command, Bearer sign-in and revocation."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from vidstream.cli import main
from vidstream.extensions import db
from vidstream.models import AccessToken

TOKEN = re.compile(rb"vs_[A-Za-z0-9_-]{40,}")


def _create(auth: AuthActions, name: str = "laptop script") -> str:
    response = auth.client.post("/tokens", data={"name": name, "csrf_token": auth.csrf()})
    assert response.status_code == 201
    found = TOKEN.findall(response.data)
    assert len(found) == 1
    return found[0].decode()


def test_token_pages_need_sign_in(client: object) -> None:
    response = client.get("/tokens")  # type: ignore[attr-defined]
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_create_shows_the_secret_once_and_stores_only_its_hash(
    app: Flask, auth: AuthActions
) -> None:
    auth.signup()
    assert auth.client.get("/tokens").status_code == 200
    secret = _create(auth)
    listing = auth.client.get("/tokens")
    assert b"laptop script" in listing.data
    assert secret.encode() not in listing.data
    with app.app_context():
        row = db.session.scalars(select(AccessToken)).one()
        assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (row.name, row.token_sha256)
        assert row.last_used_at is None


def test_bearer_token_signs_in_api_calls(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup()
    auth.upload(sample_mp4)
    secret = _create(auth)
    script = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert script.get("/api/videos").status_code == 401
    response = script.get("/api/videos", headers=bearer)
    assert response.status_code == 200
    assert len(response.get_json()["videos"]) == 1
    video_id = response.get_json()["videos"][0]["id"]
    media = script.get(f"/media/{video_id}/original.mp4", headers=bearer)
    assert media.status_code == 200 and media.data == sample_mp4.read_bytes()
    # No CSRF token is needed (nor possible) for a token-authenticated write.
    assert script.delete(f"/api/videos/{video_id}", headers=bearer).status_code == 204
    with app.app_context():
        assert db.session.scalars(select(AccessToken)).one().last_used_at is not None


def test_a_token_is_judged_alone(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    _create(auth)
    wrong = {"Authorization": "Bearer vs_wrong"}
    # The session cookie that comes along does not rescue a bad token.
    response = auth.client.get("/api/videos", headers=wrong)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert auth.client.get("/api/videos", headers={"Authorization": "Bearer "}).status_code == 401


def test_revoked_token_is_refused(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    secret = _create(auth)
    bearer = {"Authorization": f"Bearer {secret}"}
    with app.app_context():
        token_id = db.session.scalars(select(AccessToken.id)).one()
    response = auth.client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert app.test_client().get("/api/videos", headers=bearer).status_code == 401
    assert b"revoked" in auth.client.get("/tokens").data


def test_token_forms_need_csrf(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    assert auth.client.post("/tokens", data={"name": "x"}).status_code == 400
    _create(auth)
    with app.app_context():
        token_id = db.session.scalars(select(AccessToken.id)).one()
    assert auth.client.post(f"/tokens/{token_id}/revoke").status_code == 400
    with app.app_context():
        assert db.session.scalars(select(AccessToken)).one().active


def test_others_cannot_revoke_and_tokens_cannot_manage_tokens(
    app: Flask, auth: AuthActions
) -> None:
    auth.signup()
    secret = _create(auth)
    with app.app_context():
        token_id = db.session.scalars(select(AccessToken.id)).one()
    other = AuthActions(app.test_client())
    other.signup("bob")
    response = other.client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": other.csrf()})
    assert response.status_code == 404
    bearer = {"Authorization": f"Bearer {secret}"}
    script = app.test_client()
    assert script.get("/tokens", headers=bearer).status_code == 403
    assert script.post("/tokens", data={"name": "more"}, headers=bearer).status_code == 403
    assert script.post(f"/tokens/{token_id}/revoke", headers=bearer).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(AccessToken)).one().active


def test_empty_name_is_refused(auth: AuthActions) -> None:
    auth.signup()
    response = auth.client.post("/tokens", data={"name": "  ", "csrf_token": auth.csrf()})
    assert response.status_code in (400, 422)
    assert TOKEN.search(response.data) is None


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path / "cli"), "VIDSTREAM_DATABASE_URL": ""}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    made = runner.invoke(main, ["users", "create", "carol", "--password", "pw-123456789"], env=env)
    assert made.exit_code == 0, made.output
    return env


def test_tokens_command(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    created = runner.invoke(
        main, ["tokens", "create", "--user", "Carol", "--name", "ci"], env=cli_env
    )
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert TOKEN.fullmatch(secret.encode())
    listed = runner.invoke(main, ["tokens", "list", "--user", "carol"], env=cli_env)
    assert listed.exit_code == 0
    token_id, status, *_rest = listed.stdout.split("\t")
    assert status == "active" and listed.stdout.rstrip().endswith("ci")
    assert secret not in listed.output
    revoked = runner.invoke(main, ["tokens", "revoke", token_id, "--user", "carol"], env=cli_env)
    assert revoked.exit_code == 0
    again = runner.invoke(main, ["tokens", "list", "--user", "carol"], env=cli_env)
    assert "\trevoked\t" in again.stdout
    missing = runner.invoke(main, ["tokens", "create", "--user", "nobody"], env=cli_env)
    assert missing.exit_code == 1 and "no user named" in missing.output
    other = runner.invoke(main, ["tokens", "revoke", "999", "--user", "carol"], env=cli_env)
    assert other.exit_code == 1


def test_uploads_gc_command(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["uploads", "gc"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "removed 0 expired upload(s)" in result.output
