"""A large body from an anonymous client, sent to every write route of the URL map: it is
refused (413 beyond the form limit, 401 where sign-in is checked first, or 404 where what
it would write to is looked up first) and no part of it is staged to disk, so a stranger
cannot make the server parse gigabytes."""

from __future__ import annotations

import io
import re

from flask import Flask

from tests.support.corpus import labelled
from tests.support.staging import TWO_MIB

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def write_requests(app: Flask) -> list[tuple[str, str]]:
    """(method, concrete path) of every write rule, each variable filled with ``1``."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(WRITE_METHODS)):
            found.append((method, re.sub(r"<[^>]+>", "1", rule.rule)))
    return found


def test_every_write_route_refuses_a_large_anonymous_body_unread(
    app: Flask,
    staged_parts: list[str | None],
) -> None:
    requests = write_requests(app)
    assert ("POST", "/signin") in requests and ("PATCH", "/api/uploads/1") in requests
    for method, path in requests:
        with labelled(f"{method} {path}"):
            body = {"filename": (io.BytesIO(b"\0" * TWO_MIB), "big.mp4"), "username": "alice"}
            headers = {"Tus-Resumable": "1.0.0", "X-HTTP-Method-Override": "PATCH"}
            response = app.test_client().open(path, method=method, data=body, headers=headers)
            assert response.status_code in (401, 404, 413), response.status_code
            assert staged_parts == []
