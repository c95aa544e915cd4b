"""The one tus 1.0 client of the in-process tests, over Flask's test client.

Every request carries the client's credentials (a Bearer token, or a browser session's
CSRF header) and ``Tus-Resumable``; ``send`` lays any headers on top, a None value
leaving that header out, so malformed requests are written the same way as good ones.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import make_api_user

UPLOADS = "/api/uploads/"
TUS_RESUMABLE = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"

Observer = Callable[[str, str, Any], None]
"""Called with (method, url, response) after every request, e.g. to check the response."""


def b64(text: str) -> str:
    """A value for Upload-Metadata."""
    return base64.b64encode(text.encode()).decode()


def mp4_metadata(name: str = "clip.mp4") -> str:
    """Upload-Metadata naming an MP4 file ``name``."""
    return f"filename {b64(name)},filetype {b64('video/mp4')}"


class Tus:
    """A tus client: create, patch, head and delete uploads as one user."""

    def __init__(
        self, client: FlaskClient, auth: Mapping[str, str], observe: Observer | None = None
    ) -> None:
        self.client = client
        self.auth = {**auth, **TUS_RESUMABLE}
        self.observe = observe

    @classmethod
    def with_token(cls, app: Flask, username: str) -> Tus:
        """A new user ``username`` sending a Bearer token and no session cookie."""
        user = make_api_user(app, username)
        return cls(app.test_client(), user.bearer)

    def send(
        self, method: str, url: str, headers: Mapping[str, str | None] | None = None, **kw: Any
    ) -> Any:
        """One request, ``headers`` laid over the client's own (None removes a header)."""
        merged = {**self.auth, **(headers or {})}
        sent = {name: value for name, value in merged.items() if value is not None}
        response = self.client.open(url, method=method, headers=sent, **kw)
        if self.observe is not None:
            self.observe(method, url, response)
        return response

    def create(self, length: int, metadata: str | None = None, **kw: Any) -> Any:
        """POST a new upload of ``length`` bytes (``data=`` for creation-with-upload)."""
        headers = {"Upload-Length": str(length), **kw.pop("headers", {})}
        if metadata is not None:
            headers["Upload-Metadata"] = metadata
        return self.send("POST", UPLOADS, headers, **kw)

    def new(self, length: int, name: str = "clip.mp4") -> str:
        """Create an upload of an MP4 named ``name``; its URL."""
        response = self.create(length, mp4_metadata(name))
        assert response.status_code == 201, response.get_json()
        location: str = response.headers["Location"]
        return location

    def patch(self, url: str, offset: int, data: bytes, **headers: str) -> Any:
        """Append ``data`` at ``offset``; ``headers`` are laid over the usual ones."""
        usual = {"Upload-Offset": str(offset), "Content-Type": OCTETS}
        return self.send("PATCH", url, {**usual, **headers}, data=data)

    def head(self, url: str) -> Any:
        """The upload's offset and length."""
        return self.send("HEAD", url)

    def delete(self, url: str) -> Any:
        """Terminate the upload."""
        return self.send("DELETE", url)

    def upload(self, data: bytes, name: str = "clip.mp4") -> str:
        """Upload ``data`` whole in one PATCH; the new video's public id."""
        done = self.patch(self.new(len(data), name), 0, data)
        assert done.status_code == 204, done.get_json()
        video_id: str = done.headers["Upload-Video-Id"]
        return video_id
