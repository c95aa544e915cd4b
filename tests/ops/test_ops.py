"""Operations endpoints: /healthz, /readyz, /metrics, and JSON logs."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support.accounts import AuthActions
from vidstream import create_app, current
from vidstream.config import Settings
from vidstream.migrations.runner import required_revision
from vidstream.ops.logs import log_formatter

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def _samples(client: FlaskClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for s in family.samples
    }


@pytest.mark.parametrize("services", [("auth",), ("upload",), ("stream",)])
def test_every_service_alone_has_the_operations_endpoints(
    app: Flask, services: tuple[str, ...]
) -> None:
    client = create_app(current.settings(app), services=services).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok"}
    assert client.get("/metrics").status_code == 200


class _DeadRedis:
    def ping(self) -> None:
        raise ConnectionError("refused")


def test_readyz_names_what_is_down(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.extensions, "vidstream.redis", _DeadRedis())
    shutil.rmtree(current.storage(app).root)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json() == {
        "status": "unavailable",
        "down": {"redis": "ConnectionError", "storage": "OSError"},
    }
    assert client.get("/healthz").status_code == 200


def test_metrics_are_refused_to_remote_clients(client: FlaskClient) -> None:
    answer = client.get("/metrics", environ_base=OUTSIDE)
    assert answer.status_code == 404
    assert b"vidstream_http_requests" not in answer.data


@pytest.mark.parametrize("settings_overrides", [{"metrics_token": "s3cret-scrape-token"}])
def test_a_metrics_token_is_required_when_configured(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong).status_code == 404
    right = {"Authorization": "Bearer s3cret-scrape-token"}
    answer = client.get("/metrics", headers=right, environ_base=OUTSIDE)
    assert answer.status_code == 200
    assert b"vidstream_videos" in answer.data


def test_metrics_count_requests_bytes_and_videos(
    client: FlaskClient, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    before_upload = _samples(client)
    public_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    accepted = ("vidstream_uploads_total", frozenset({("outcome", "accepted")}))
    assert _samples(client)[accepted] == before_upload.get(accepted, 0) + 1
    before = _samples(client)
    route = "/media/<public_id>/original.mp4"
    for _ in range(3):
        answer = client.get(f"/media/{public_id}/original.mp4", headers={"Range": "bytes=0-99"})
        assert answer.status_code == 206
    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("vidstream_http_requests_total", method="GET", route=route, status="206") == 3
    assert delta("vidstream_http_request_duration_seconds_count", route=route) == 3
    assert delta("vidstream_media_bytes_served_total", via="app") == 300
    auth.upload(Path(__file__), json=True)
    assert _samples(client)[("vidstream_uploads_total", frozenset({("outcome", "refused")}))] >= 1
    assert delta("vidstream_uploads_total", outcome="accepted") == 0
    states = {dict(k[1])["state"]: v for k, v in after.items() if k[0] == "vidstream_videos"}
    assert sum(states.values()) == 1
    assert states["uploading"] == 0


@pytest.mark.parametrize("settings_overrides", [{"accel_redirect": "/_protected/"}])
def test_accel_redirect_hands_the_file_to_the_gateway(
    client: FlaskClient, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    public_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    answer = client.get(f"/media/{public_id}/original.mp4", headers={"Range": "bytes=0-99"})
    assert answer.status_code == 200
    assert answer.headers["X-Accel-Redirect"] == f"/_protected/videos/{public_id}/original.mp4"
    assert answer.headers["Content-Type"] == "video/mp4"
    assert answer.data == b""
    auth.signout()
    auth.signup("mallory")
    assert client.get(f"/media/{public_id}/original.mp4").status_code == 404


def test_json_log_lines_carry_level_logger_and_extra_fields() -> None:
    record = logging.LogRecord("vidstream.x", logging.WARNING, __file__, 1, "hi %s", ("you",), None)
    record.public_id = "abc"
    line: dict[str, Any] = json.loads(log_formatter("json").format(record))
    assert line["level"] == "WARNING"
    assert line["logger"] == "vidstream.x"
    assert line["message"] == "hi you"
    assert line["public_id"] == "abc"
    assert "time" in line
    assert log_formatter("text").format(record) == "WARNING vidstream.x: hi you"


def test_readyz_says_when_the_schema_is_behind_and_what_to_run(
    tmp_path: Path, settings: Settings
) -> None:
    fresh = tmp_path / "fresh"
    unmigrated = create_app(
        replace(settings, data_dir=fresh, database_url=f"sqlite:///{fresh / 'vidstream.db'}")
    )
    answer = unmigrated.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["down"] == {
        "schema": "the database is empty (no schema yet); this vidstream needs revision "
        f"{required_revision()}: run `vidstream db upgrade`"
    }
