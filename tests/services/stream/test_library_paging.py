"""Keyset paging of the library: every video once, in order, with a fixed query count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.support.accounts import AuthActions
from tests.support.library import add_rows, minutes
from vidstream.extensions import db


@pytest.fixture
def alice(app: Flask, auth: AuthActions) -> AuthActions:
    """Alice, signed in, with an empty library."""
    auth.signup("alice")
    return auth


def walk(auth: AuthActions, query: str) -> list[str]:
    """Every video id of a listing, following ``next`` links to the end."""
    seen: list[str] = []
    url: str | None = f"/api/videos?{query}"
    while url:
        body: dict[str, Any] = auth.client.get(url).get_json()
        seen += [v["id"] for v in body["videos"]]
        url = body["next"]
        assert len(seen) < 1000
    return seen


@pytest.mark.parametrize("sort", ["newest", "oldest", "title", "duration", "size"])
def test_pages_have_no_duplicates_or_gaps_even_with_equal_sort_keys(
    app: Flask, alice: AuthActions, sort: str
) -> None:
    # 23 rows, most sharing their title, time, size and duration.
    specs: list[dict[str, Any]] = [{"title": "same"} for _ in range(15)]
    specs += [
        {"title": f"T{i}", "created_at": minutes(i % 3), "size_bytes": i % 2} for i in range(8)
    ]
    ids = add_rows(app, "alice", specs)
    everything = walk(alice, f"sort={sort}&limit=100")
    assert sorted(everything) == sorted(ids)
    paged = walk(alice, f"sort={sort}&limit=4")
    assert paged == everything  # the same order, a page at a time


def test_paging_keeps_search_and_filters(app: Flask, alice: AuthActions) -> None:
    add_rows(app, "alice", [{"title": f"beach {i}", "tags": ["sea"]} for i in range(7)])
    add_rows(app, "alice", [{"title": f"beach {i}"} for i in range(5)])
    first = alice.client.get("/api/videos?q=beach&tag=sea&limit=3").get_json()
    assert "q=beach" in first["next"] and "tag=sea" in first["next"] and "limit=3" in first["next"]
    assert len(walk(alice, "q=beach&tag=sea&limit=3")) == 7


def test_a_cursor_of_another_sort_is_refused(app: Flask, alice: AuthActions) -> None:
    add_rows(app, "alice", [{"title": str(i)} for i in range(3)])
    cursor = alice.client.get("/api/videos?limit=1").get_json()["next"].split("after=")[1]
    answer = alice.client.get(f"/api/videos?sort=title&after={cursor}")
    assert answer.status_code == 400
    assert "first page" in answer.get_json()["error"]["message"]


def test_the_library_page_links_to_the_next_page(app: Flask, alice: AuthActions) -> None:
    add_rows(app, "alice", [{"title": f"clip {i:02}"} for i in range(50)])
    first = alice.client.get("/stream?sort=title").get_data(as_text=True)
    assert "clip 00" in first and "clip 47" in first and "clip 48" not in first
    start = first.index('rel="next"')
    link = first[
        first.rindex('href="', 0, start) + 6 : first.index(
            '"', first.rindex('href="', 0, start) + 6
        )
    ]
    second = alice.client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "clip 48" in second and "clip 49" in second and "clip 47" not in second
    assert 'rel="next"' not in second and "First page" in second


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("path", ["/api/videos", "/stream", "/api/videos?q=clip&tag=t"])
def test_a_page_runs_the_same_number_of_queries_for_3_or_40_videos(
    app: Flask, alice: AuthActions, path: str
) -> None:
    add_rows(app, "alice", [{"title": f"clip {i}", "tags": ["t", f"n{i}"]} for i in range(3)])
    alice.client.get(path)  # warm up whatever is cached per process
    with counted(app) as few:
        assert alice.client.get(path).status_code == 200
    add_rows(app, "alice", [{"title": f"clip {i}", "tags": ["t"]} for i in range(37)])
    with counted(app) as many:
        assert alice.client.get(path).status_code == 200
    assert len(many) == len(few), many
    # The API lists each video's captions too: one more query for the whole page.
    assert len(many) <= (9 if path.startswith("/api/") else 8), len(many)
