"""Tags on videos: the API's ``tags`` field, its limits, and the Details form."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.library import add_rows


@pytest.fixture
def video_id(app: Flask, auth: AuthActions) -> str:
    """A video row of Alice's, who is signed in on ``auth``."""
    auth.signup("alice")
    return add_rows(app, "alice", [{"title": "Clip"}])[0]


def patch(auth: AuthActions, vid: str, body: Any) -> Any:
    """``PATCH /api/videos/<vid>`` from the browser session."""
    return auth.client.patch(f"/api/videos/{vid}", json=body, headers={"X-CSRFToken": auth.csrf()})


def test_tags_are_normalised_deduplicated_and_sorted(auth: AuthActions, video_id: str) -> None:
    answer = patch(auth, video_id, {"tags": ["  Summer   2024 ", "beach", "BEACH", ""]})
    assert answer.status_code == 200
    assert answer.get_json()["video"]["tags"] == ["beach", "summer 2024"]
    assert patch(auth, video_id, {"tags": ["beach"]}).get_json()["video"]["tags"] == ["beach"]
    assert auth.client.get(f"/api/videos/{video_id}").get_json()["video"]["tags"] == ["beach"]
    assert patch(auth, video_id, {"tags": []}).get_json()["video"]["tags"] == []


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        (["x" * 41], "at most 40"),
        ([f"t{i}" for i in range(21)], "at most 20"),
        (["a,b"], "comma"),
        ("beach", "a list of text"),
        ([1, 2], "a list of text"),
        ([None], "a list of text"),
    ],
)
def test_bad_tags_are_a_clear_400(auth: AuthActions, video_id: str, tags: Any, words: str) -> None:
    answer = patch(auth, video_id, {"tags": tags})
    assert answer.status_code == 400
    assert words in answer.get_json()["error"]["message"]


def test_the_details_form_edits_tags(auth: AuthActions, video_id: str) -> None:
    page = auth.client.get(f"/stream/{video_id}").get_data(as_text=True)
    assert 'name="tags"' in page
    form = {"title": "Clip", "description": "", "visibility": "private", "tags": "Sea, sun ,sea"}
    answer = auth.client.post(f"/stream/{video_id}/edit", data={**form, "csrf_token": auth.csrf()})
    assert answer.status_code == 303
    assert 'value="sea, sun"' in auth.client.get(f"/stream/{video_id}").get_data(as_text=True)
    bad = auth.client.post(
        f"/stream/{video_id}/edit", data={**form, "tags": "y" * 50, "csrf_token": auth.csrf()}
    )
    assert bad.status_code == 400 and "at most 40" in bad.get_data(as_text=True)
    no_csrf = auth.client.post(f"/stream/{video_id}/edit", data=form)
    assert no_csrf.status_code == 400


def test_strangers_and_anonymous_cannot_tag(
    app: Flask, auth: AuthActions, video_id: str, mallory: AuthActions
) -> None:
    assert patch(mallory, video_id, {"tags": ["mine"]}).status_code == 404
    anonymous = app.test_client()
    assert anonymous.patch(f"/api/videos/{video_id}", json={"tags": ["x"]}).status_code == 401
