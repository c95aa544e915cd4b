"""Beacons, stats and roll-ups through the app: who may report, what counts, what is shown.

Runs on SQLite and, with VIDSTREAM_TEST_DATABASE_URL, on MariaDB (and Redis for the cap).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.support.accounts import AuthActions
from tests.support.media import make_mp4
from vidstream.analytics import collect
from vidstream.analytics.rollup import roll_up_due
from vidstream.extensions import db
from vidstream.media_index import forget_link
from vidstream.models import AnalyticsDay, Share, VideoDailyStats, WatchRange


@pytest.fixture(scope="module")
def ten_seconds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-second faststart MP4 (plays on upload)."""
    return make_mp4(tmp_path_factory.mktemp("analytics") / "ten.mp4", seconds=10, faststart=True)


@pytest.fixture(autouse=True)
def _fresh_days(app: Flask) -> Any:
    """Day salts are not deleted with users and videos (a MariaDB run shares them)."""
    with app.app_context():
        db.session.execute(delete(AnalyticsDay))
        db.session.commit()
    collect._salts.clear()
    yield
    collect._salts.clear()


def api(auth: AuthActions, method: str, path: str, body: Any = None) -> Any:
    return auth.client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf()})


@pytest.fixture
def video(auth: AuthActions, ten_seconds: Path) -> str:
    """Alice's unlisted 10-second video."""
    auth.signup("alice")
    vid: str = auth.upload(ten_seconds, title="Ten", json=True).get_json()["video"]["id"]
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    return vid


def beacon_of(page: str) -> tuple[str, str]:
    """The beacon URL and token a watch page gives its player."""
    url = re.search(r'data-beacon-url="([^"]+)"', page)
    token = re.search(r'data-beacon-token="([^"]+)"', page)
    assert url and token, page[:1500]
    return url.group(1), token.group(1)


def send(client: FlaskClient, url: str, token: str, ranges: Any) -> Any:
    """A beacon the way sendBeacon sends it: a text/plain body, no CSRF header."""
    import json

    body = json.dumps({"token": token, "ranges": ranges})
    return client.post(url, data=body, content_type="text/plain")


def stats(auth: AuthActions, vid: str) -> Any:
    answer = auth.client.get(f"/api/videos/{vid}/stats")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_owner_view_is_counted_merged_with_retention(auth: AuthActions, video: str) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    assert send(auth.client, url, token, [[0, 3], [2, 4]]).status_code == 204
    assert send(auth.client, url, token, [[3.5, 4], [8, 10]]).status_code == 204
    figures = stats(auth, video)
    assert figures["views"] == 1 and figures["unique_viewers"] == 1
    assert figures["watch_seconds"] == 6.0
    assert figures["average_view_seconds"] == 6.0
    assert len(figures["retention"]) == 100
    assert figures["retention"][10] == 1 and figures["retention"][50] == 0
    assert figures["retention"][90] == 1
    today = figures["daily"][-1]
    assert today["views"] == 1 and today["watch_seconds"] == 6.0


def test_a_second_page_is_a_second_view_of_the_same_viewer(auth: AuthActions, video: str) -> None:
    for _ in range(2):
        url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
        assert send(auth.client, url, token, [[0, 2]]).status_code == 204
    figures = stats(auth, video)
    assert (figures["views"], figures["unique_viewers"]) == (2, 1)


def test_share_viewer_counts_under_that_share(
    app: Flask, auth: AuthActions, video: str, client: FlaskClient
) -> None:
    made = api(auth, "POST", f"/api/videos/{video}/shares", {"label": "for bob"}).get_json()
    path = made["share"]["url"].removeprefix("http://localhost")
    anonymous = app.test_client()
    url, token = beacon_of(anonymous.get(path).get_data(as_text=True))
    assert "/m/" in url and url.endswith("/watch")
    assert send(anonymous, url, token, [[0, 5]]).status_code == 204
    figures = stats(auth, video)
    (share,) = figures["shares"]
    assert share["label"] == "for bob" and share["opens"] == 1
    assert share["views"] == 1 and share["watch_seconds"] == 5.0
    assert share["last_seen_at"] is not None
    page = auth.client.get(f"/stream/{video}/stats").get_data(as_text=True)
    assert "for bob" in page and 'id="stats-data"' in page


def test_ranges_beyond_the_duration_are_refused_whole(auth: AuthActions, video: str) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    for ranges in ([[0, 2], [5, 30]], [[-1, 2]], [[3, 2]], "x", [], [[0, "1"]], [[0, 1]] * 33):
        answer = send(auth.client, url, token, ranges)
        assert answer.status_code == 400, ranges
    assert stats(auth, video)["views"] == 0


def test_forged_and_foreign_tokens_are_refused(
    app: Flask, auth: AuthActions, video: str, ten_seconds: Path
) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    assert send(auth.client, url, token[:-3] + "abc", [[0, 1]]).status_code == 400
    other = auth.upload(ten_seconds, title="Other", json=True).get_json()["video"]["id"]
    assert send(auth.client, f"/media/{other}/watch", token, [[0, 1]]).status_code == 400
    assert auth.client.post(url, data="not json", content_type="text/plain").status_code == 400
    assert stats(auth, video)["views"] == 0 and stats(auth, other)["views"] == 0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A small cap, so a flood reaches it quickly."""
    return {"analytics_seconds_per_minute": 12}


def test_a_flood_is_capped_per_viewer(auth: AuthActions, video: str) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    answers = [send(auth.client, url, token, [[0, 5]]).status_code for _ in range(10)]
    assert answers[:2] == [204, 204] and set(answers[2:]) == {429}
    # Another page of the same viewer draws on the same minute.
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    assert send(auth.client, url, token, [[0, 5]]).status_code == 429
    figures = stats(auth, video)
    assert figures["views"] == 1 and figures["watch_seconds"] == 5.0


def test_strangers_anonymous_and_revoked_links_count_nothing(
    app: Flask, auth: AuthActions, mallory: AuthActions, video: str
) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    assert send(mallory.client, url, token, [[0, 1]]).status_code == 404
    assert send(app.test_client(), url, token, [[0, 1]]).status_code == 401
    made = api(auth, "POST", f"/api/videos/{video}/shares", {}).get_json()["share"]
    path = made["url"].removeprefix("http://localhost")
    viewer = app.test_client()
    link_url, link_token = beacon_of(viewer.get(path).get_data(as_text=True))
    assert api(auth, "DELETE", f"/api/videos/{video}/shares/{made['id']}").status_code == 204
    with app.app_context():
        forget_link(Share.hash(path.removeprefix("/s/")))
    assert send(viewer, link_url, link_token, [[0, 1]]).status_code == 404
    # A link's token is not good on the owner's form, nor the owner's on a link's.
    assert send(viewer, url, link_token, [[0, 1]]).status_code == 401
    for who in (mallory.client, app.test_client()):
        assert who.get(f"/api/videos/{video}/stats").status_code in (401, 404)
        assert who.get(f"/stream/{video}/stats").status_code in (302, 404)
        assert who.get(f"/stream/{video}/stats.csv").status_code in (302, 404)
    assert app.test_client().get("/api/stats").status_code == 401
    assert stats(auth, video)["views"] == 0


def test_bad_periods_are_400(auth: AuthActions, video: str) -> None:
    for query in (
        "from=2026-13-01",
        "to=yesterday",
        "from=2026-02-01&to=2026-01-01",
        "from=2020-01-01&to=2026-01-01",
    ):
        answer = auth.client.get(f"/api/videos/{video}/stats?{query}")
        assert answer.status_code == 400, query
        assert answer.get_json()["error"]["code"] == "invalid_date"


def test_roll_up_keeps_the_figures_and_closes_the_day(
    app: Flask, auth: AuthActions, video: str, client: FlaskClient
) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    assert send(auth.client, url, token, [[0, 4], [6, 8]]).status_code == 204
    before = stats(auth, video)
    day = date.fromisoformat(before["daily"][-1]["date"])
    later = datetime.combine(day + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    with app.app_context():
        assert roll_up_due(later) == 1
        assert roll_up_due(later) == 0
        row = db.session.scalar(select(VideoDailyStats))
        assert row is not None and row.views == 1 and row.watch_ms == 6000
        assert db.session.get(AnalyticsDay, day).salt is None  # type: ignore[union-attr]
    assert stats(auth, video) == before
    # The day is closed: a page of that day cannot report any more.
    assert send(auth.client, url, token, [[0, 1]]).status_code == 410
    # Raw rows go once the window has passed; the aggregates stay.
    far = later + timedelta(days=40)
    with app.app_context():
        roll_up_due(far)
        assert db.session.scalar(select(func.count()).select_from(WatchRange)) == 0
    assert stats(auth, video) == before
    csv = auth.client.get(f"/stream/{video}/stats.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "date,views,unique_viewers,watch_seconds"
    assert f"{day.isoformat()},1,1,6.0" in csv


def test_account_stats_and_library_counts(auth: AuthActions, video: str) -> None:
    url, token = beacon_of(auth.client.get(f"/stream/{video}").get_data(as_text=True))
    send(auth.client, url, token, [[0, 2]])
    account = auth.client.get("/api/stats").get_json()
    assert account["views"] == 1 and account["videos"][0]["id"] == video
    assert "1 view" in auth.client.get("/stream").get_data(as_text=True)
    assert auth.client.get("/stats").status_code == 200
    assert auth.client.get("/stream?sort=views").status_code == 200


def test_public_viewers_get_a_viewer_cookie_and_count(
    app: Flask, auth: AuthActions, video: str
) -> None:
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    viewer = app.test_client()
    page = viewer.get(f"/embed/{video}")
    assert "vidstream_viewer=" in page.headers.get("Set-Cookie", "")
    url, token = beacon_of(page.get_data(as_text=True))
    assert send(viewer, url, token, [[0, 1]]).status_code == 204
    with app.app_context():
        stored = db.session.scalar(select(WatchRange.viewer))
    cookie = page.headers["Set-Cookie"].split("vidstream_viewer=")[1].split(";")[0]
    assert stored is not None and cookie not in stored
    assert stats(auth, video)["unique_viewers"] == 1
