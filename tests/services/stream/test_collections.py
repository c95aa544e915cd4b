"""Collections: the API and the pages, the play-through order, and who may see them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import AuthActions
from tests.support.library import add_rows


@pytest.fixture
def vids(app: Flask, auth: AuthActions) -> list[str]:
    """Four video rows of Alice's, who is signed in on ``auth``."""
    auth.signup("alice")
    return add_rows(app, "alice", [{"title": f"Part {i}"} for i in range(4)])


def call(auth: AuthActions | FlaskClient, method: str, path: str, body: Any = None) -> Any:
    """A JSON API call (with the CSRF header when a session is signed in)."""
    if isinstance(auth, AuthActions):
        headers = {"X-CSRFToken": auth.csrf()}
        return auth.client.open(path, method=method, json=body, headers=headers)
    return auth.open(path, method=method, json=body)


def order(auth: AuthActions, cid: str) -> list[str]:
    """The collection's video ids, in play order."""
    return [
        v["id"]
        for v in call(auth, "GET", f"/api/collections/{cid}").get_json()["collection"]["videos"]
    ]


def test_create_fill_reorder_rename_and_delete(auth: AuthActions, vids: list[str]) -> None:
    made = call(auth, "POST", "/api/collections", {"name": "  Trip\u202e  "})
    assert made.status_code == 201
    collection = made.get_json()["collection"]
    cid = collection["id"]
    assert collection["name"] == "Trip" and collection["videos"] == []
    for vid in vids[:3]:
        assert (
            call(auth, "POST", f"/api/collections/{cid}/videos", {"video": vid}).status_code == 200
        )
    call(auth, "POST", f"/api/collections/{cid}/videos", {"video": vids[3], "position": 0})
    call(auth, "POST", f"/api/collections/{cid}/videos", {"video": vids[1]})  # moves it last
    assert order(auth, cid) == [vids[3], vids[0], vids[2], vids[1]]
    answer = call(auth, "PUT", f"/api/collections/{cid}/videos", {"videos": [vids[2], vids[0]]})
    assert answer.status_code == 200 and answer.get_json()["collection"]["video_count"] == 2
    assert order(auth, cid) == [vids[2], vids[0]]
    assert call(auth, "DELETE", f"/api/collections/{cid}/videos/{vids[2]}").status_code == 204
    assert order(auth, cid) == [vids[0]]
    renamed = call(auth, "PATCH", f"/api/collections/{cid}", {"name": "Holiday"})
    assert renamed.get_json()["collection"]["name"] == "Holiday"
    listed = call(auth, "GET", "/api/collections").get_json()["collections"]
    assert [(c["name"], c["video_count"]) for c in listed] == [("Holiday", 1)]
    assert [
        v["title"] for v in auth.client.get(f"/api/videos?collection={cid}").get_json()["videos"]
    ] == ["Part 0"]
    assert call(auth, "DELETE", f"/api/collections/{cid}").status_code == 204
    assert call(auth, "GET", f"/api/collections/{cid}").status_code == 404
    assert len(auth.client.get("/api/videos").get_json()["videos"]) == 4  # videos stay


def test_deleting_a_video_takes_it_out_of_its_collections(
    auth: AuthActions, vids: list[str]
) -> None:
    cid = call(auth, "POST", "/api/collections", {"name": "c"}).get_json()["collection"]["id"]
    call(auth, "PUT", f"/api/collections/{cid}/videos", {"videos": vids[:2]})
    call(auth, "DELETE", f"/api/videos/{vids[0]}")
    assert order(auth, cid) == [vids[1]]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/collections", {}, 400),
        ("POST", "/api/collections", {"name": "   "}, 400),
        ("POST", "/api/collections", {"name": "n" * 101}, 400),
        ("POST", "/api/collections", {"name": 5}, 400),
        ("PATCH", "/api/collections/{cid}", {"colour": "red"}, 400),
        ("PUT", "/api/collections/{cid}/videos", {"videos": "x"}, 400),
        ("PUT", "/api/collections/{cid}/videos", {"videos": ["nope"]}, 404),
        ("POST", "/api/collections/{cid}/videos", {"video": "nope"}, 404),
        ("POST", "/api/collections/{cid}/videos", {"video": "{vid}", "position": -1}, 400),
        ("DELETE", "/api/collections/{cid}/videos/{vid}", None, 404),  # not in it
    ],
)
def test_bad_requests_are_clear_4xx(
    auth: AuthActions, vids: list[str], method: str, path: str, body: Any, status: int
) -> None:
    cid = call(auth, "POST", "/api/collections", {"name": "c"}).get_json()["collection"]["id"]
    if isinstance(body, dict):
        body = {
            k: v.replace("{vid}", vids[0]) if isinstance(v, str) else v for k, v in body.items()
        }
    answer = call(auth, method, path.format(cid=cid, vid=vids[0]), body)
    assert answer.status_code == status
    assert answer.get_json()["error"]["message"]


def test_strangers_get_404_and_anonymous_401_everywhere(
    app: Flask, auth: AuthActions, vids: list[str], mallory: AuthActions
) -> None:
    cid = call(auth, "POST", "/api/collections", {"name": "secret"}).get_json()["collection"]["id"]
    call(auth, "PUT", f"/api/collections/{cid}/videos", {"videos": vids[:1]})
    theirs = add_rows(app, "mallory", [{"title": "m"}])[0]
    anonymous = app.test_client()
    for method, path, body in [
        ("GET", f"/api/collections/{cid}", None),
        ("PATCH", f"/api/collections/{cid}", {"name": "x"}),
        ("DELETE", f"/api/collections/{cid}", None),
        ("PUT", f"/api/collections/{cid}/videos", {"videos": []}),
        ("POST", f"/api/collections/{cid}/videos", {"video": theirs}),
        ("DELETE", f"/api/collections/{cid}/videos/{vids[0]}", None),
    ]:
        assert call(mallory, method, path, body).status_code == 404, path
        assert call(anonymous, method, path, body).status_code == 401, path
    assert call(mallory, "GET", "/api/collections").get_json()["collections"] == []
    assert call(anonymous, "GET", "/api/collections").status_code == 401
    assert call(anonymous, "POST", "/api/collections", {"name": "x"}).status_code == 401
    # Alice cannot put Mallory's video in her collection either.
    assert (
        call(auth, "POST", f"/api/collections/{cid}/videos", {"video": theirs}).status_code == 404
    )
    for page in (f"/collections/{cid}", f"/stream/{vids[0]}?collection={cid}"):
        assert mallory.client.get(page).status_code == 404
        assert anonymous.get(page).status_code in (302, 303)  # to sign in
    form = {"name": "x", "csrf_token": mallory.csrf()}
    assert mallory.client.post(f"/collections/{cid}/edit", data=form).status_code == 404
    assert mallory.client.post(f"/collections/{cid}/delete", data=form).status_code == 404
    assert order(auth, cid) == vids[:1]


def test_pages_make_fill_reorder_and_play_through(auth: AuthActions, vids: list[str]) -> None:
    made = auth.client.post("/collections", data={"name": "Series", "csrf_token": auth.csrf()})
    assert made.status_code == 303
    cid = made.headers["Location"].rsplit("/", 1)[1]
    for vid in vids[:3]:
        form = {"collection": cid, "csrf_token": auth.csrf()}
        assert auth.client.post(f"/stream/{vid}/collections", data=form).status_code == 303
    move = {"direction": "up", "csrf_token": auth.csrf()}
    assert (
        auth.client.post(f"/collections/{cid}/videos/{vids[2]}/move", data=move).status_code == 303
    )
    assert order(auth, cid) == [vids[0], vids[2], vids[1]]
    page = auth.client.get(f"/collections/{cid}").get_data(as_text=True)
    assert page.index("Part 0") < page.index("Part 2") < page.index("Part 1")
    assert "Play all" in page
    first = auth.client.get(f"/stream/{vids[0]}?collection={cid}").get_data(as_text=True)
    assert f"/stream/{vids[2]}?collection={cid}" in first and "data-play-next" in first
    last = auth.client.get(f"/stream/{vids[1]}?collection={cid}").get_data(as_text=True)
    assert "Last video of the collection" in last and "data-play-next" not in last
    remove = {"csrf_token": auth.csrf()}
    auth.client.post(f"/collections/{cid}/videos/{vids[2]}/remove", data=remove)
    assert order(auth, cid) == [vids[0], vids[1]]
    rename = {"name": "", "csrf_token": auth.csrf()}
    bad = auth.client.post(f"/collections/{cid}/edit", data=rename)
    assert bad.status_code == 400 and "needs a name" in bad.get_data(as_text=True)
    assert auth.client.post("/collections", data={"name": "x"}).status_code == 400  # no CSRF
    gone = auth.client.post(f"/collections/{cid}/delete", data={"csrf_token": auth.csrf()})
    assert gone.status_code == 303 and auth.client.get(f"/collections/{cid}").status_code == 404
