"""A token revoked while its PATCH streams stops that PATCH at its next chunk.

The body is read through a stream the test controls: once some of it has arrived the
token is revoked, and the request must end with 401 without writing what follows.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from tests.support.accounts import make_api_user
from tests.support.tus import OCTETS, TUS_RESUMABLE
from vidstream.extensions import db
from vidstream.models import AccessToken
from vidstream.models.base import utcnow
from vidstream.web import access

PIECE = 64 * 1024


class RevokingBody(io.RawIOBase):
    """A request body that revokes every token once ``after`` bytes have been read."""

    def __init__(self, app: Flask, total: int, after: int) -> None:
        self.app, self.left, self.after, self.sent, self.position = app, total, after, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        # The test client measures the body by seeking to its end and back before
        # reading any of it; only that is supported.
        self.position = self.left + offset if whence == 2 else offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        if self.sent >= self.after and self.sent - len(buffer) < self.after:
            with self.app.app_context():
                db.session.execute(update(AccessToken).values(revoked_at=utcnow()))
                db.session.commit()
        size = min(len(buffer), self.left, PIECE)
        buffer[:size] = b"\0" * size
        self.left -= size
        self.sent += size
        return size


@pytest.mark.parametrize("revoke", [False, True])
def test_a_token_revoked_mid_patch_stops_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch, revoke: bool
) -> None:
    monkeypatch.setattr(access, "TOKEN_RECHECK_SECONDS", 0.0)
    user = make_api_user(app, "alice")
    client = app.test_client()
    headers = {**user.bearer, **TUS_RESUMABLE}
    total = 40 * PIECE
    created = client.post("/api/uploads/", headers={**headers, "Upload-Length": str(total + 1)})
    assert created.status_code == 201
    url = created.headers["Location"]
    body = RevokingBody(app, total, 10 * PIECE if revoke else total * 2)
    answer = client.patch(
        url,
        input_stream=body,
        headers={
            **headers,
            "Upload-Offset": "0",
            "Content-Type": OCTETS,
            "Content-Length": str(total),
        },
    )
    if not revoke:
        assert answer.status_code == 204
        assert answer.headers["Upload-Offset"] == str(total)
        return
    assert answer.status_code == 401
    assert "revoked" in answer.get_json()["error"]["message"]
    assert body.sent < total  # it stopped reading: the rest of the body was never taken
    # The token is gone for good: the next request is refused before anything is read.
    assert client.head(url, headers=headers).status_code == 401
