"""Playback: ?t= start times, saved positions (the API and the watch page), resume rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.support.accounts import AuthActions, make_api_user
from tests.support.sharing import api, make_link
from vidstream.extensions import db
from vidstream.models import PlaybackPosition, User, Video
from vidstream.services.stream.playback import parse_start, resume_point


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("1m30s", 90.0),
        ("1m", 60.0),
        ("1h2m3s", 3723.0),
        ("2h", 7200.0),
        ("1:30", 90.0),
        ("1:02:03", 3723.0),
        (" 1M30S ", 90.0),
        ("0", 0.0),
    ],
)
def test_start_times(value: str, seconds: float) -> None:
    assert parse_start(value) == seconds


@pytest.mark.parametrize("value", ["", "abc", "-5", "1.5", "1m30x", "s", "h", "1:2", "9" * 40])
def test_what_is_not_a_start_time(value: str) -> None:
    assert parse_start(value) is None


@pytest.mark.parametrize(
    ("seconds", "duration", "offered"),
    [
        (None, 100.0, None),
        (3.0, 100.0, None),  # barely begun
        (50.0, 100.0, 50.0),
        (94.0, 100.0, 94.0),
        (95.0, 100.0, None),  # the last 5 %
        (1000.0, 3600.0, 1000.0),
        (3500.0, 3600.0, None),  # the last 5 % of a long video
        (3400.0, 3600.0, 3400.0),
        (56.0, 60.0, None),  # the last 5 s of a short one
        (54.0, 60.0, 54.0),
        (40.0, None, 40.0),
    ],
)
def test_resume_is_offered_between_the_start_and_the_end(
    seconds: float | None, duration: float | None, offered: float | None
) -> None:
    assert resume_point(seconds, duration) == offered


@pytest.fixture
def video(app: Flask, auth: AuthActions, sample_mp4: Path) -> str:
    """Alice's private video, 60 s long as far as the rules are concerned."""
    auth.signup("alice")
    vid: str = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    with app.app_context():
        db.session.execute(update(Video).values(duration_seconds=60.0))
        db.session.commit()
    return vid


def saved(app: Flask, vid: str, username: str) -> float | None:
    with app.app_context():
        return db.session.scalar(
            select(PlaybackPosition.seconds)
            .join(Video, Video.id == PlaybackPosition.video_id)
            .join(User, User.id == PlaybackPosition.user_id)
            .where(Video.public_id == vid, User.username == username)
        )


def test_the_owner_saves_a_position_and_the_page_offers_it(
    app: Flask, video: str, auth: AuthActions
) -> None:
    assert api(auth, "PUT", f"/api/videos/{video}/position", {"seconds": 12.5}).status_code == 204
    assert api(auth, "PUT", f"/api/videos/{video}/position", {"seconds": 30}).status_code == 204
    assert saved(app, video, "alice") == 30.0
    page = auth.client.get(f"/stream/{video}").data.decode()
    assert 'data-resume-at="30.0"' in page
    assert f'data-position-url="/api/videos/{video}/position"' in page
    assert "data-start" not in page


def test_a_start_time_reaches_the_player_and_the_no_script_source(
    video: str, auth: AuthActions
) -> None:
    page = auth.client.get(f"/stream/{video}?t=1m5s").data.decode()
    assert 'data-start="65.0"' in page
    assert "original.mp4#t=65.0" in page
    page = auth.client.get(f"/stream/{video}?t=later").data.decode()
    assert "data-start" not in page


def test_a_recipient_saves_their_own_position(app: Flask, video: str, auth: AuthActions) -> None:
    bob = AuthActions(app.test_client())
    bob.signup("bob")
    assert api(auth, "POST", f"/api/videos/{video}/shares", {"username": "bob"}).status_code == 201
    assert api(bob, "PUT", f"/api/videos/{video}/position", {"seconds": 20}).status_code == 204
    assert saved(app, video, "bob") == 20.0
    assert saved(app, video, "alice") is None


def test_a_stranger_and_nobody_save_nothing(app: Flask, video: str, mallory: AuthActions) -> None:
    answer = api(mallory, "PUT", f"/api/videos/{video}/position", {"seconds": 20})
    assert answer.status_code == 404
    assert (
        api(
            mallory, "PUT", "/api/videos/nosuchvideo0000000000/position", {"seconds": 1}
        ).status_code
        == 404
    )
    nobody = AuthActions(app.test_client())
    assert api(nobody, "PUT", f"/api/videos/{video}/position", {"seconds": 20}).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(PlaybackPosition.seconds)) is None


def test_a_public_videos_anonymous_viewer_saves_nothing(
    app: Flask, video: str, auth: AuthActions
) -> None:
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    nobody = AuthActions(app.test_client())
    assert api(nobody, "PUT", f"/api/videos/{video}/position", {"seconds": 20}).status_code == 401
    assert "data-position-url" not in nobody.client.get(f"/stream/{video}").data.decode()


def test_a_share_links_page_starts_at_t_but_saves_nothing(
    app: Flask, video: str, auth: AuthActions
) -> None:
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "unlisted"})
    link = make_link(auth, video)
    page = app.test_client().get(link + "?t=7").data.decode()
    assert 'data-start="7.0"' in page
    assert "data-position-url" not in page and "data-resume-at" not in page


def test_a_token_needs_no_csrf_and_a_cookie_session_does(
    app: Flask, video: str, auth: AuthActions
) -> None:
    alice_token = make_api_user(app, "carol")
    assert (
        api(auth, "POST", f"/api/videos/{video}/shares", {"username": "carol"}).status_code == 201
    )
    by_token = app.test_client().put(
        f"/api/videos/{video}/position", json={"seconds": 9}, headers=alice_token.bearer
    )
    assert by_token.status_code == 204
    assert saved(app, video, "carol") == 9.0
    forged = auth.client.put(f"/api/videos/{video}/position", json={"seconds": 9})
    assert forged.status_code == 400
    assert saved(app, video, "alice") is None


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": -1},
        {"seconds": 62},  # past the end (60 s)
        {"seconds": "12"},
        {"seconds": True},
        {"seconds": None},
        {"seconds": 5, "extra": 1},
        {},
        [5],
        "5",
    ],
)
def test_bad_positions_are_400(app: Flask, video: str, auth: AuthActions, body: object) -> None:
    answer = api(auth, "PUT", f"/api/videos/{video}/position", body)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] in ("invalid_body", "invalid_value")
    assert saved(app, video, "alice") is None


def test_not_a_number_is_400(app: Flask, video: str, auth: AuthActions) -> None:
    answer = auth.client.put(
        f"/api/videos/{video}/position",
        data='{"seconds": NaN}',
        headers={"Content-Type": "application/json", "X-CSRFToken": auth.csrf()},
    )
    assert answer.status_code == 400


def test_positions_go_with_the_video_and_with_the_account(
    app: Flask, video: str, auth: AuthActions, sample_mp4: Path
) -> None:
    other: str = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    api(auth, "PUT", f"/api/videos/{video}/position", {"seconds": 1})
    api(auth, "PUT", f"/api/videos/{other}/position", {"seconds": 1})
    assert api(auth, "DELETE", f"/api/videos/{video}").status_code == 204
    with app.app_context():
        assert db.session.scalars(select(PlaybackPosition.video_id)).all() != []
        assert len(db.session.scalars(select(PlaybackPosition.video_id)).all()) == 1
        db.session.delete(db.session.scalars(select(User)).one())
        db.session.commit()
        assert db.session.scalars(select(PlaybackPosition.video_id)).all() == []
