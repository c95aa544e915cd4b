"""Timing requests in process: the library page, a search, and the references.

Each request goes through the whole app (session, access check, query, template or
JSON) with Flask's test client, so the figures leave out only the HTTP server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench.common.tables import percentile
from vidstream.extensions import db
from vidstream.models import Video


def signed_in_client(app: Flask, owner_id: int, username: str) -> Any:
    """A test client whose session is already signed in as the owner."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = owner_id
        session["username"] = username
        session["epoch"] = 0
        session["signed_in_at"] = session["seen_at"] = int(time.time())
    return client


def timed(action: Callable[[], None], requests: int) -> dict[str, float]:
    """p50 and p99 in milliseconds over ``requests`` runs (after five warm-ups)."""
    for _ in range(5):
        action()
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99)}


def get(client: Any, path: str) -> Callable[[], None]:
    """A GET that must answer 200."""

    def action() -> None:
        answer = client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")

    return action


def bare_page_select(app: Flask, owner_id: int) -> Callable[[], None]:
    """The floor: one SELECT of the first page's 48 rows, by index, nothing else."""
    query = (
        sa.select(Video.__table__)
        .where(Video.owner_id == owner_id)
        .order_by(Video.created_at.desc(), Video.id.desc())
        .limit(48)
    )

    def action() -> None:
        with app.app_context():
            db.session.execute(query).all()

    return action


def measure(app: Flask, owner_id: int, username: str, requests: int) -> dict[str, Any]:
    """Every scenario of one database."""
    client = signed_in_client(app, owner_id, username)
    if client.get("/api/videos?limit=1").status_code != 200:
        raise RuntimeError("the benchmark's session is not signed in")
    scenarios = {
        "healthz": get(client, "/healthz"),
        "bare_select": bare_page_select(app, owner_id),
        "library_page": get(client, "/stream"),
        "library_page_title_sort": get(client, "/stream?sort=title"),
        "search_page": get(client, "/stream?q=beach+sun"),
        "search_api": get(client, "/api/videos?q=beach+sun"),
        "search_api_tag": get(client, "/api/videos?q=concert&tag=music&sort=duration"),
    }
    found = client.get("/api/videos?q=beach+sun&limit=100").get_json()
    results = {name: timed(action, requests) for name, action in scenarios.items()}
    return {"scenarios": results, "search_hits_first_page": len(found["videos"])}
