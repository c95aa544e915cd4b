"""The library listing: full-text search, filters and sort, on the API and the page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.library import add_rows, minutes


@pytest.fixture
def alice(app: Flask, auth: AuthActions) -> AuthActions:
    """Alice, signed in, with an empty library."""
    auth.signup("alice")
    return auth


def titles(auth: AuthActions, query: str = "") -> list[str]:
    """Titles of the first page of ``GET /api/videos?<query>``, in order."""
    answer = auth.client.get(f"/api/videos?{query}")
    assert answer.status_code == 200, answer.get_json()
    return [v["title"] for v in answer.get_json()["videos"]]


def test_search_matches_title_description_and_tags_as_word_prefixes(
    app: Flask, alice: AuthActions
) -> None:
    add_rows(app, "alice", [
        {"title": "Beach holiday", "created_at": minutes(1)},
        {"title": "Birthday", "description": "Grandma at the beach", "created_at": minutes(2)},
        {"title": "Concert", "tags": ["Music", "live"], "created_at": minutes(3)},
        {"title": "Café in Zürich", "created_at": minutes(4)},
    ])  # fmt: skip
    assert titles(alice, "q=beach") == ["Birthday", "Beach holiday"]
    assert titles(alice, "q=BEA") == ["Birthday", "Beach holiday"]  # prefix, any case
    assert titles(alice, "q=music") == ["Concert"]
    assert titles(alice, "q=beach+grandma") == ["Birthday"]  # every word must match
    assert titles(alice, "q=beach+nothing") == []
    assert titles(alice, "q=zurich") == ["Café in Zürich"]  # diacritics folded
    assert titles(alice, "q=caf%C3%A9") == ["Café in Zürich"]
    assert titles(alice, "q=%22%2A%3A") == []  # no word at all matches nothing


def test_search_follows_edits_and_finds_only_the_callers_videos(
    app: Flask, alice: AuthActions, mallory: AuthActions
) -> None:
    (vid,) = add_rows(app, "alice", [{"title": "Old name"}])
    add_rows(app, "mallory", [{"title": "Old name too"}])
    headers = {"X-CSRFToken": alice.csrf()}
    body = {"title": "Fresh name", "tags": ["zebra"]}
    assert alice.client.patch(f"/api/videos/{vid}", json=body, headers=headers).status_code == 200
    assert titles(alice, "q=old") == []
    assert titles(alice, "q=fresh") == ["Fresh name"]
    assert titles(alice, "q=zebra") == ["Fresh name"]
    assert [v["title"] for v in mallory.client.get("/api/videos?q=name").get_json()["videos"]] == [
        "Old name too"
    ]
    alice.client.delete(f"/api/videos/{vid}", headers=headers)
    assert titles(alice, "q=fresh") == []


def test_short_words_are_found_too(app: Flask, alice: AuthActions) -> None:
    add_rows(app, "alice", [{"title": "A trip to NY"}, {"title": "Other"}])
    assert titles(alice, "q=ny") == ["A trip to NY"]
    assert titles(alice, "q=to+trip") == ["A trip to NY"]


SORT_ROWS = [
    {"title": "banana", "created_at": minutes(2), "size_bytes": 300, "duration_seconds": 1.5},
    {"title": "Apple", "created_at": minutes(1), "size_bytes": 100, "duration_seconds": None},
    {"title": "cherry", "created_at": minutes(3), "size_bytes": 200, "duration_seconds": 99.25},
]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["cherry", "banana", "Apple"]),
        ("newest", ["cherry", "banana", "Apple"]),
        ("oldest", ["Apple", "banana", "cherry"]),
        ("title", ["Apple", "banana", "cherry"]),  # case ignored
        ("duration", ["cherry", "banana", "Apple"]),  # longest first, unknown last
        ("size", ["banana", "cherry", "Apple"]),  # largest first
    ],
)
def test_sort_orders(app: Flask, alice: AuthActions, sort: str, expected: list[str]) -> None:
    add_rows(app, "alice", SORT_ROWS)
    assert titles(alice, f"sort={sort}") == expected


def test_filters_by_status_and_tag(app: Flask, alice: AuthActions) -> None:
    add_rows(app, "alice", [
        {"title": "done", "tags": ["trip"], "created_at": minutes(1)},
        {"title": "broken", "status": "failed", "tags": ["trip", "x"], "created_at": minutes(2)},
        {"title": "other", "created_at": minutes(3)},
    ])  # fmt: skip
    assert titles(alice, "status=failed") == ["broken"]
    assert titles(alice, "tag=trip") == ["broken", "done"]
    assert titles(alice, "tag=Trip&status=ready") == ["done"]
    assert titles(alice, "tag=nothing") == []
    videos = alice.client.get("/api/videos?tag=x").get_json()["videos"]
    assert videos[0]["tags"] == ["trip", "x"]


def test_the_library_page_has_search_sort_and_filters_without_javascript(
    app: Flask, alice: AuthActions
) -> None:
    add_rows(app, "alice", [
        {"title": "Beach day", "tags": ["summer"], "created_at": minutes(1)},
        {"title": "Snow day", "tags": ["winter"], "created_at": minutes(2)},
    ])  # fmt: skip
    page = alice.client.get("/stream").get_data(as_text=True)
    assert 'role="search"' in page and 'name="q"' in page and 'name="sort"' in page
    assert '<option value="summer"' in page and 'name="status"' in page
    found = alice.client.get("/stream?q=beach&sort=title").get_data(as_text=True)
    assert "Beach day" in found and "Snow day" not in found
    assert 'value="beach"' in found  # the search box keeps the text
    assert "Snow day" in alice.client.get("/stream?tag=winter").get_data(as_text=True)
    empty = alice.client.get("/stream?q=volcano")
    assert empty.status_code == 200 and "No videos match" in empty.get_data(as_text=True)


def test_bad_listing_arguments_are_a_clear_400(alice: AuthActions) -> None:
    for query, words in [
        ("sort=loudest", "sort must be one of"),
        ("status=lost", "status must be one of"),
        ("limit=0", "limit must be"),
        ("limit=1000", "limit must be"),
        ("after=forged", "no longer valid"),
        ("q=" + "x" * 201, "at most 200"),
    ]:
        answer = alice.client.get(f"/api/videos?{query}")
        assert answer.status_code == 400, query
        assert words in answer.get_json()["error"]["message"], query
        if not query.startswith("limit"):  # the page has a fixed page size
            assert alice.client.get(f"/stream?{query}").status_code == 400


def test_an_unknown_or_strangers_collection_filter_is_404(
    app: Flask, alice: AuthActions, mallory: AuthActions
) -> None:
    headers = {"X-CSRFToken": mallory.csrf()}
    theirs = mallory.client.post("/api/collections", json={"name": "m"}, headers=headers)
    cid = theirs.get_json()["collection"]["id"]
    assert alice.client.get(f"/api/videos?collection={cid}").status_code == 404
    assert alice.client.get("/api/videos?collection=nope").status_code == 404
    assert alice.client.get(f"/stream?collection={cid}").status_code == 404


def listing(auth: AuthActions, query: str) -> dict[str, Any]:
    """The JSON answer of ``GET /api/videos?<query>``."""
    answer = auth.client.get(f"/api/videos?{query}")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.get_json()
    return body
