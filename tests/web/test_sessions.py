"""Server-side sessions are written when they change, not on every request."""

from __future__ import annotations

from tests.support.accounts import AuthActions


def test_a_request_that_leaves_the_session_alone_does_not_rewrite_it(auth: AuthActions) -> None:
    auth.signup("alice")
    first = auth.client.get("/api/session")  # stores a CSRF token: the session changes
    assert "Set-Cookie" in first.headers
    again = auth.client.get("/stream")
    assert again.status_code == 200
    assert "Set-Cookie" not in again.headers
    assert auth.client.get("/api/session").get_json()["user"] == {"username": "alice"}
