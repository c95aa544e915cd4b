"""Request bodies: a form's size for anyone, an upload's size only for a known uploader."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.staging import TWO_MIB
from tests.support.tus import OCTETS, TUS_RESUMABLE, Tus
from vidstream.web.bodies import FORM_BODY_BYTES


def big_form() -> dict[str, Any]:
    return {
        "username": "alice",
        "password": "x",
        "filename": (io.BytesIO(b"\0" * TWO_MIB), "big.bin"),
    }


def test_anonymous_sign_in_with_a_large_body_is_refused_unread(
    app: Flask, staged_parts: list[str | None]
) -> None:
    response = app.test_client().post("/signin", data=big_form())
    assert response.status_code == 413
    assert staged_parts == []


def test_anonymous_form_post_over_the_form_limit_is_refused(app: Flask) -> None:
    body = {"username": "alice", "password": "x" * (FORM_BODY_BYTES + 1)}
    assert app.test_client().post("/signup", data=body).status_code == 413


def test_anonymous_upload_is_refused_before_its_body_is_read(
    app: Flask, staged_parts: list[str | None]
) -> None:
    response = app.test_client().post(
        "/upload", data=big_form(), headers={"Accept": "application/json"}
    )
    assert response.status_code == 401
    assert staged_parts == []


def test_signed_in_upload_may_exceed_the_form_limit(
    auth: AuthActions, staged_parts: list[str | None]
) -> None:
    auth.signup()
    data = {"filename": (io.BytesIO(b"\0" * TWO_MIB), "big.mp4"), "csrf_token": auth.csrf()}
    response = auth.client.post("/upload", data=data, headers={"Accept": "application/json"})
    assert response.status_code == 415  # read whole and judged, not refused for its size
    assert staged_parts == ["big.mp4"]


def test_tus_chunk_over_the_form_limit_is_accepted_with_a_token(app: Flask) -> None:
    tus = Tus.with_token(app, "alice")
    url = tus.new(3 * TWO_MIB)
    response = tus.patch(url, 0, b"\0" * TWO_MIB)
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == str(TWO_MIB)


def test_tus_chunk_over_the_form_limit_is_accepted_with_a_session(auth: AuthActions) -> None:
    auth.signup()
    headers = {**TUS_RESUMABLE, "X-CSRFToken": auth.csrf()}
    created = auth.client.post("/api/uploads/", headers={**headers, "Upload-Length": "9999999"})
    assert created.status_code == 201
    response = auth.client.patch(
        created.headers["Location"],
        data=b"\0" * TWO_MIB,
        headers={**headers, "Upload-Offset": "0", "Content-Type": OCTETS},
    )
    assert response.status_code == 204


def test_anonymous_tus_chunk_is_refused_as_anonymous(app: Flask) -> None:
    headers = {**TUS_RESUMABLE, "Upload-Offset": "0", "Content-Type": OCTETS}
    response = app.test_client().patch("/api/uploads/x", data=b"\0" * TWO_MIB, headers=headers)
    assert response.status_code == 401
