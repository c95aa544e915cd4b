"""Editing a video and managing its shares through the JSON API and the owner's forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from vidstream.extensions import db
from vidstream.models import Share


@pytest.fixture
def alice(app: Flask, auth: AuthActions, sample_mp4: Path) -> dict[str, Any]:
    """Alice, signed in on ``auth.client``, with one uploaded video."""
    auth.signup("alice")
    video: dict[str, Any] = auth.upload(sample_mp4, title="Alice's clip", json=True).get_json()[
        "video"
    ]
    return video


def api(auth: AuthActions, method: str, path: str, body: Any = None) -> Any:
    """A JSON API call from ``auth``'s browser session (CSRF header included)."""
    headers = {"X-CSRFToken": auth.csrf()}
    return auth.client.open(path, method=method, json=body, headers=headers)


def test_edit_title_description_and_visibility(alice: dict[str, Any], auth: AuthActions) -> None:
    vid = alice["id"]
    assert alice["visibility"] == "private" and alice["description"] == ""
    answer = api(
        auth,
        "PATCH",
        f"/api/videos/{vid}",
        {"title": "  Holiday\u202e ", "description": "Day 1\r\nDay 2"},
    )
    assert answer.status_code == 200
    video = answer.get_json()["video"]
    assert video["title"] == "Holiday"  # bidi override and spaces gone
    assert video["description"] == "Day 1\nDay 2"
    assert (
        api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "public"}).get_json()["video"][
            "visibility"
        ]
        == "public"
    )
    assert auth.client.get(f"/api/videos/{vid}").get_json()["video"]["title"] == "Holiday"


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "\u202e"},
        {"visibility": "secret"},
        {"title": 5},
        {"owner": "x"},
        [],
        "x",
    ],
)
def test_bad_edits_are_400_and_change_nothing(
    alice: dict[str, Any], auth: AuthActions, body: Any
) -> None:
    answer = api(auth, "PATCH", f"/api/videos/{alice['id']}", body)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"]
    assert (
        auth.client.get(f"/api/videos/{alice['id']}").get_json()["video"]["title"] == "Alice's clip"
    )


def test_strangers_and_anonymous_cannot_edit_or_share(
    app: Flask, alice: dict[str, Any], mallory: AuthActions
) -> None:
    vid = alice["id"]
    for method, path, body in [
        ("PATCH", f"/api/videos/{vid}", {"title": "mine"}),
        ("GET", f"/api/videos/{vid}/shares", None),
        ("POST", f"/api/videos/{vid}/shares", {}),
        ("DELETE", f"/api/videos/{vid}/shares/abc", None),
    ]:
        assert api(mallory, method, path, body).status_code == 404, (method, path)
        assert app.test_client().open(path, method=method, json=body).status_code == 401
    token = mallory.csrf()
    for form in ("edit", "links", "people", "shares/x/revoke"):
        assert (
            mallory.client.post(f"/stream/{vid}/{form}", data={"csrf_token": token}).status_code
            == 404
        )


def test_a_link_needs_an_unlisted_or_public_video(alice: dict[str, Any], auth: AuthActions) -> None:
    vid = alice["id"]
    refused = api(auth, "POST", f"/api/videos/{vid}/shares", {})
    assert refused.status_code == 409
    assert "private" in refused.get_json()["error"]["message"]
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    made = api(auth, "POST", f"/api/videos/{vid}/shares", {"label": "For mum", "max_views": 3})
    assert made.status_code == 201
    share = made.get_json()["share"]
    assert share["kind"] == "link" and share["label"] == "For mum" and share["max_views"] == 3
    assert share["opens"] == 0 and share["views"] == 0 and share["has_password"] is False
    assert re.fullmatch(r"http://localhost/s/[A-Za-z0-9_-]{32,}", share["url"])


def test_link_tokens_are_random_and_stored_only_hashed(
    app: Flask, alice: dict[str, Any], auth: AuthActions
) -> None:
    vid = alice["id"]
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    urls = {
        api(auth, "POST", f"/api/videos/{vid}/shares", {}).get_json()["share"]["url"]
        for _ in range(5)
    }
    assert len(urls) == 5
    tokens = {u.rsplit("/", 1)[1] for u in urls}
    assert all(len(t) >= 32 for t in tokens)  # 192 random bits, base64url
    with app.app_context():
        stored = set(db.session.scalars(select(Share.token_sha256)))
    assert not tokens & stored
    assert {Share.hash(t) for t in tokens} == stored
    listed = api(auth, "GET", f"/api/videos/{vid}/shares").get_json()["shares"]
    assert len(listed) == 5 and all("url" not in s for s in listed)


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in_seconds": 10},
        {"expires_in_seconds": "soon"},
        {"expires_in_seconds": 10**12},
        {"max_views": 0},
        {"max_views": True},
        {"max_views": 1.5},
        {"password": "abc"},
        {"password": 1234},
        {"password": "x" * 201},
        {"allow_download": "yes"},
        {"label": ["a"]},
        {"token": "mine"},
        {"username": "bob", "password": "secret"},
    ],
)
def test_bad_link_options_are_400(alice: dict[str, Any], auth: AuthActions, body: Any) -> None:
    vid = alice["id"]
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    answer = api(auth, "POST", f"/api/videos/{vid}/shares", body)
    assert answer.status_code == 400, body
    assert api(auth, "GET", f"/api/videos/{vid}/shares").get_json()["shares"] == []


def test_sharing_with_accounts(
    alice: dict[str, Any], auth: AuthActions, mallory: AuthActions
) -> None:
    vid = alice["id"]
    made = api(auth, "POST", f"/api/videos/{vid}/shares", {"username": " Mallory "})
    assert made.status_code == 201
    share = made.get_json()["share"]
    assert share["kind"] == "account" and share["username"] == "mallory"
    again = api(auth, "POST", f"/api/videos/{vid}/shares", {"username": "mallory"})
    assert again.get_json()["share"]["id"] == share["id"]  # sharing twice is one share
    assert api(auth, "POST", f"/api/videos/{vid}/shares", {"username": "alice"}).status_code == 400
    unknown = api(auth, "POST", f"/api/videos/{vid}/shares", {"username": "nobody"})
    assert unknown.status_code == 404
    assert "no account" in unknown.get_json()["error"]["message"].lower()
    assert api(auth, "POST", f"/api/videos/{vid}/shares", {"username": ""}).status_code == 400


def test_revoking_through_the_api(alice: dict[str, Any], auth: AuthActions) -> None:
    vid = alice["id"]
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    share = api(auth, "POST", f"/api/videos/{vid}/shares", {}).get_json()["share"]
    assert api(auth, "DELETE", f"/api/videos/{vid}/shares/{share['id']}").status_code == 204
    assert api(auth, "DELETE", f"/api/videos/{vid}/shares/{share['id']}").status_code == 404
    assert api(auth, "GET", f"/api/videos/{vid}/shares").get_json()["shares"] == []


def test_the_owner_forms(alice: dict[str, Any], auth: AuthActions) -> None:
    vid, c = alice["id"], auth.client
    token = auth.csrf()
    saved = c.post(
        f"/stream/{vid}/edit",
        data={
            "csrf_token": token,
            "title": "Trip",
            "description": "Two\nlines",
            "visibility": "unlisted",
        },
    )
    assert saved.status_code == 303
    page = c.get(f"/stream/{vid}")
    assert b"Trip" in page.data and b"Two\nlines" in page.data
    assert (
        c.post(f"/stream/{vid}/edit", data={"csrf_token": token, "title": " "}).status_code == 400
    )
    made = c.post(
        f"/stream/{vid}/links",
        data={
            "csrf_token": token,
            "label": "Grandma",
            "expires_in_seconds": "86400",
            "password": "letmein",
            "allow_download": "yes",
        },
    )
    assert made.status_code == 303
    page = c.get(f"/stream/{vid}").data.decode()
    assert re.search(r'value="http://localhost/s/[A-Za-z0-9_-]{32,}"', page)
    assert "Grandma" in page and "password" in page and "download allowed" in page
    assert not re.search(
        r'value="http://localhost/s/', c.get(f"/stream/{vid}").data.decode()
    )  # once
    bad = c.post(f"/stream/{vid}/links", data={"csrf_token": token, "max_views": "-1"})
    assert bad.status_code == 400 and b"max_views must be from 1" in bad.data
    assert (
        c.post(
            f"/stream/{vid}/people", data={"csrf_token": token, "username": "nobody"}
        ).status_code
        == 404
    )
