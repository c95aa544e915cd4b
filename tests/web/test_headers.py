"""Security headers on pages, API answers and media; cookie flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import AuthActions
from vidstream import create_app
from vidstream.config import Settings, parse_networks


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_pages_carry_a_policy_without_inline_script(auth: AuthActions) -> None:
    response = auth.client.get("/signin")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    # Besides files, only the empty inline style (static/player-styles.js).
    assert policy["style-src"] == [
        "'self'",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    ]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_style_or_handlers(auth: AuthActions) -> None:
    auth.signup("alice")
    for path in ("/stream", "/upload", "/tokens", "/account"):
        html = auth.client.get(path).get_data(as_text=True).lower()
        assert "<script>" not in html and "<script " not in html.replace("<script src=", "")
        assert " style=" not in html and "<style" not in html
        assert " onclick=" not in html and " onload=" not in html and " onsubmit=" not in html


@pytest.mark.parametrize(
    "settings_overrides",
    [{"service_urls": {"upload": "http://127.0.0.1:5001", "stream": "http://127.0.0.1:5002"}}],
)
def test_form_action_allows_configured_service_origins(client: FlaskClient) -> None:
    policy = directives(client.get("/signin").headers["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'", "http://127.0.0.1:5001", "http://127.0.0.1:5002"]


def test_split_port_defaults_allow_this_host_on_the_other_ports(settings: Settings) -> None:
    upload_only = create_app(settings, services=["upload"])
    response = upload_only.test_client().get("/api/uploads/", method="OPTIONS")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'", "http://localhost:5000", "http://localhost:5002"]


def test_media_is_served_as_video_with_nosniff(auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    response = auth.client.get(f"/media/{vid}/original.mp4", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers


def test_the_session_cookie_is_http_only_and_lax(auth: AuthActions) -> None:
    response = auth.signup("alice")
    cookie = response.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie


@pytest.mark.parametrize("settings_overrides", [{"public_url": "https://videos.example"}])
def test_the_cookie_is_secure_behind_https(app: Flask, auth: AuthActions) -> None:
    response = auth.signup("alice", base_url="https://videos.example")
    assert "secure" in response.headers["Set-Cookie"].lower()


@pytest.mark.parametrize(
    "settings_overrides", [{"trusted_proxy_networks": parse_networks("127.0.0.1")}]
)
def test_forwarded_https_from_the_gateway_makes_the_cookie_secure(
    app: Flask, auth: AuthActions
) -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    response = auth.signup("alice", headers=forwarded)
    assert "secure" in response.headers["Set-Cookie"].lower()


def test_forwarded_https_is_ignored_without_a_trusted_proxy(auth: AuthActions) -> None:
    response = auth.signup("alice", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in response.headers["Set-Cookie"].lower()
