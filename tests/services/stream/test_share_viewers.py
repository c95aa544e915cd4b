"""Every kind of viewer on every byte path: links, accounts, public videos, strangers.

A stranger, an anonymous client, and a revoked or expired grant get nothing on any
page or byte of a video: original, download, playlists, segments, pictures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.support.accounts import AuthActions
from tests.support.pipeline import process_now
from tests.support.sharing import api, expire, make_link, media_base
from vidstream.extensions import db


@pytest.fixture
def video(app: Flask, auth: AuthActions, sample_mp4: Path) -> str:
    """Alice's unlisted, fully processed video (HLS, poster, storyboard, chapters)."""
    auth.signup("alice")
    vid: str = auth.upload(sample_mp4, title="Alice's clip", json=True).get_json()["video"]["id"]
    process_now(app, vid)
    chapters = "0:00 Start\n0:01 End"
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted", "description": chapters})
    return vid


def byte_paths(app: Flask, auth: AuthActions, vid: str) -> list[str]:
    """Every file of the video, relative to its media prefix."""
    master = auth.client.get(f"/media/{vid}/hls/master.m3u8").data.decode()
    rendition = next(line for line in master.splitlines() if line and not line.startswith("#"))
    folder = rendition.rsplit("/", 1)[0]
    playlist = auth.client.get(f"/media/{vid}/hls/{rendition}").data.decode()
    segment = next(line for line in playlist.splitlines() if line.endswith(".m4s"))
    return [
        "original.mp4",
        "download",
        "hls/master.m3u8",
        f"hls/{rendition}",
        f"hls/{folder}/init.mp4",
        f"hls/{folder}/{segment}",
        "poster.jpg",
        "thumb.jpg",
        "storyboard.vtt",
        "storyboard.jpg",
        "chapters.vtt",
    ]


def test_a_link_opens_the_video_and_nothing_else(
    app: Flask, video: str, auth: AuthActions, sample_mp4: Path
) -> None:
    link = make_link(auth, video, allow_download=True)
    viewer = app.test_client()
    page = viewer.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    base = media_base(page.data.decode())
    for path in byte_paths(app, auth, video):
        answer = viewer.get(base + path)
        assert answer.status_code == 200, path
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    full = viewer.get(base + "original.mp4")
    assert full.data == sample_mp4.read_bytes()
    part = viewer.get(base + "original.mp4", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == sample_mp4.read_bytes()[100:200]
    saved = viewer.get(base + "download")
    assert saved.headers["Content-Disposition"].startswith('attachment; filename="Alice')
    # The link's grant opens only its own video; a path of another form opens nothing.
    assert viewer.get(f"/media/{video}/original.mp4").status_code == 401
    assert viewer.get(f"/stream/{video}").status_code == 302  # to sign in


def test_a_link_of_one_video_opens_no_byte_of_another(
    app: Flask, video: str, auth: AuthActions, sample_mp4: Path
) -> None:
    other: str = auth.upload(sample_mp4, title="Other", json=True).get_json()["video"]["id"]
    api(auth, "PATCH", f"/api/videos/{other}", {"visibility": "unlisted"})
    link_a, link_b = make_link(auth, video), make_link(auth, other)
    viewer = app.test_client()
    base_a = media_base(viewer.get(link_a).data.decode())
    base_b = media_base(viewer.get(link_b).data.decode())
    grant_a, grant_b = base_a.split("/")[4], base_b.split("/")[4]
    token_b = link_b.split("/")[2]
    # Grants are bound to their link: A's grant with B's token (or a forged one) is nothing.
    for path in ("original.mp4", "hls/master.m3u8", "poster.jpg", "storyboard.vtt"):
        assert viewer.get(f"/s/{token_b}/m/{grant_a}/{path}").status_code == 404
        assert viewer.get(f"/s/{token_b}/m/{grant_b[:-2]}xx/{path}").status_code == 404
    assert viewer.get(f"/s/{token_b}/m/{grant_b}/original.mp4").status_code == 200


def test_revocation_ends_every_byte_path_at_once(app: Flask, video: str, auth: AuthActions) -> None:
    link = make_link(auth, video)
    viewer = app.test_client()
    base = media_base(viewer.get(link).data.decode())
    paths = byte_paths(app, auth, video)
    share_id = api(auth, "GET", f"/api/videos/{video}/shares").get_json()["shares"][0]["id"]
    assert api(auth, "DELETE", f"/api/videos/{video}/shares/{share_id}").status_code == 204
    assert viewer.get(link).status_code == 404
    for path in paths:
        assert viewer.get(base + path).status_code == 404, path
        assert viewer.head(base + path).status_code == 404, path


def test_making_the_video_private_switches_its_links_off(
    app: Flask, video: str, auth: AuthActions
) -> None:
    link = make_link(auth, video)
    viewer = app.test_client()
    base = media_base(viewer.get(link).data.decode())
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "private"})
    assert viewer.get(link).status_code == 404
    assert viewer.get(base + "original.mp4").status_code == 404
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "unlisted"})
    assert viewer.get(base + "original.mp4").status_code == 200


def test_an_expired_link_is_410_on_its_page_and_every_byte(
    app: Flask, video: str, auth: AuthActions
) -> None:
    link = make_link(auth, video, expires_in_seconds=3600)
    viewer = app.test_client()
    base = media_base(viewer.get(link).data.decode())
    paths = byte_paths(app, auth, video)
    expire(app, link)
    page = viewer.get(link)
    assert page.status_code == 410 and b"This link has expired." in page.data
    for path in paths:
        assert viewer.get(base + path).status_code == 410, path


def test_a_password_guards_the_page_and_every_byte(
    app: Flask, video: str, auth: AuthActions
) -> None:
    link = make_link(auth, video, password="open sesame")
    viewer = app.test_client()
    form = viewer.get(link)
    assert form.status_code == 200 and b'type="password"' in form.data
    assert b"data-mp4" not in form.data and b"Alice" not in form.data
    form_token = re.search(rb'name="form_token" value="([^"]+)"', form.data).group(1).decode()
    wrong = viewer.post(link, data={"form_token": form_token, "password": "guess"})
    assert wrong.status_code == 403 and b"not right" in wrong.data
    assert viewer.post(link, data={"password": "open sesame"}).status_code == 400  # no form token
    right = viewer.post(link, data={"form_token": form_token, "password": "open sesame"})
    assert right.status_code == 200
    base = media_base(right.data.decode())
    assert viewer.get(base + "original.mp4").status_code == 200
    # Holding the link is not enough for its bytes: a grant comes only with the password.
    token = link.split("/")[2]
    assert app.test_client().get(f"/s/{token}/m/nothing/original.mp4").status_code == 404


def test_password_tries_are_limited_per_link(app: Flask, video: str, auth: AuthActions) -> None:
    link = make_link(auth, video, password="open sesame")
    statuses = []
    for _ in range(12):
        viewer = app.test_client()
        form = viewer.get(link).data
        form_token = re.search(rb'name="form_token" value="([^"]+)"', form).group(1).decode()
        statuses.append(
            viewer.post(link, data={"form_token": form_token, "password": "no"}).status_code
        )
    assert statuses[:10] == [403] * 10
    assert statuses[10:] == [429, 429]


def test_views_and_the_view_limit(app: Flask, video: str, auth: AuthActions) -> None:
    link = make_link(auth, video, max_views=1)
    first = app.test_client()
    assert first.get(link).status_code == 200
    assert first.get(link).status_code == 200  # the same browser, within the window: no new view
    used_up = app.test_client().get(link)
    assert used_up.status_code == 410 and b"viewed as many times" in used_up.data
    share = api(auth, "GET", f"/api/videos/{video}/shares").get_json()["shares"][0]
    assert share["views"] == 1 and share["opens"] == 3 and share["last_opened_at"]


def test_a_grant_renews_only_with_an_earlier_grant(
    app: Flask, video: str, auth: AuthActions
) -> None:
    link = make_link(auth, video)
    viewer = app.test_client()
    base = media_base(viewer.get(link).data.decode())
    token, grant = base.split("/")[2], base.split("/")[4]
    renewed = viewer.get(f"/s/{token}/grant?grant={grant}")
    assert renewed.status_code == 200
    assert renewed.get_json()["urls"]["original"].startswith(f"/s/{token}/m/")
    assert viewer.get(f"/s/{token}/grant?grant=forged").status_code == 404
    assert viewer.get(f"/s/{token}/grant").status_code == 404


def test_download_only_where_allowed(app: Flask, video: str, auth: AuthActions) -> None:
    viewer = app.test_client()
    base = media_base(viewer.get(make_link(auth, video)).data.decode())
    assert viewer.get(base + "download").status_code == 404
    assert b"Download the original" not in viewer.get(make_link(auth, video)).data
    assert (
        auth.client.get(f"/media/{video}/download")
        .headers["Content-Disposition"]
        .startswith("attachment")
    )


def test_accounts_a_video_is_shared_with(
    app: Flask, video: str, auth: AuthActions, mallory: AuthActions
) -> None:
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "private"})
    paths = [p for p in byte_paths(app, auth, video) if p != "download"]
    for path in paths:
        assert mallory.client.get(f"/media/{video}/{path}").status_code == 404
    assert b"Nothing shared with you yet" in mallory.client.get("/shared").data
    share = api(auth, "POST", f"/api/videos/{video}/shares", {"username": "mallory"}).get_json()[
        "share"
    ]
    shared = mallory.client.get("/shared")
    assert b"Alice&#39;s clip" in shared.data and b"from alice" in shared.data
    page = mallory.client.get(f"/stream/{video}")
    assert page.status_code == 200 and b"Delete this video" not in page.data
    for path in paths:
        assert mallory.client.get(f"/media/{video}/{path}").status_code == 200, path
    assert mallory.client.get(f"/media/{video}/download").status_code == 404
    assert api(mallory, "PATCH", f"/api/videos/{video}", {"title": "x"}).status_code == 404
    api(auth, "DELETE", f"/api/videos/{video}/shares/{share['id']}")
    assert mallory.client.get(f"/stream/{video}").status_code == 404
    for path in paths:
        assert mallory.client.get(f"/media/{video}/{path}").status_code == 404, path
    assert b"Nothing shared with you yet" in mallory.client.get("/shared").data


def test_public_videos_and_the_public_page(
    app: Flask, video: str, auth: AuthActions, mallory: AuthActions
) -> None:
    anyone = app.test_client()
    assert anyone.get("/u/alice").status_code == 404  # no public video yet: no page
    assert anyone.get("/u/nobody").status_code == 404
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    page = anyone.get("/u/alice")
    assert page.status_code == 200 and b"Alice&#39;s clip" in page.data
    assert anyone.get(f"/stream/{video}").status_code == 200
    paths = [p for p in byte_paths(app, auth, video) if p != "download"]
    for path in paths:
        assert anyone.get(f"/media/{video}/{path}").status_code == 200, path
    assert anyone.get(f"/media/{video}/download").status_code == 401
    assert mallory.client.get(f"/media/{video}/download").status_code == 404
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "unlisted"})
    assert anyone.get(f"/media/{video}/original.mp4").status_code == 401
    assert anyone.get("/u/alice").status_code == 404


def test_strangers_get_the_same_404_whatever_the_state(
    app: Flask, auth: AuthActions, mallory: AuthActions, sample_mp4: Path
) -> None:
    """A stranger learns nothing from a video's state: validating, failed or ready."""
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    from vidstream.models import Video, VideoStatus

    for status in (VideoStatus.VALIDATING, VideoStatus.FAILED, VideoStatus.READY_ORIGINAL):
        with app.app_context():
            db.session.execute(update(Video).where(Video.public_id == vid).values(status=status))
            db.session.commit()
            from vidstream.media_index import forget_media

            forget_media(vid)
        for path in (
            "original.mp4",
            "hls/master.m3u8",
            "hls/240p/index.m3u8",
            "poster.jpg",
            "storyboard.vtt",
        ):
            for client in (mallory.client,):
                assert client.get(f"/media/{vid}/{path}").status_code == 404, (status, path)
                assert client.head(f"/media/{vid}/{path}").status_code == 404, (status, path)


def test_embeds_may_be_framed_and_nothing_else(app: Flask, video: str, auth: AuthActions) -> None:
    link = make_link(auth, video)
    viewer: FlaskClient = app.test_client()
    embed = viewer.get(link + "/embed")
    assert embed.status_code == 200 and b"data-mp4" in embed.data
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    page = viewer.get(link)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    public = viewer.get(f"/embed/{video}")
    assert (
        public.status_code == 200
        and "frame-ancestors *" in public.headers["Content-Security-Policy"]
    )


@pytest.mark.parametrize("settings_overrides", [{"embed_origins": ("https://blog.example",)}])
def test_embed_origins_are_configurable(app: Flask, video: str, auth: AuthActions) -> None:
    embed = app.test_client().get(make_link(auth, video) + "/embed")
    assert "frame-ancestors https://blog.example" in embed.headers["Content-Security-Policy"]


def test_oembed(app: Flask, video: str, auth: AuthActions) -> None:
    anyone = app.test_client()
    link = make_link(auth, video)
    answer = anyone.get(f"/oembed?url=http://localhost{link}&format=json")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["type"] == "video" and body["version"] == "1.0"
    assert f'src="http://localhost{link}/embed"' in body["html"]
    assert anyone.get(f"/oembed?url=http://localhost/stream/{video}").status_code == 404
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    public = anyone.get(f"/oembed?url=http://localhost/stream/{video}").get_json()
    assert public["title"] == "Alice's clip" and public["thumbnail_url"].endswith("/thumb.jpg")
    assert anyone.get(f"/oembed?url=http://localhost/stream/{video}&format=xml").status_code == 501
    assert anyone.get("/oembed").status_code == 400
    protected = make_link(auth, video, password="open sesame")
    assert (
        anyone.get(f"/oembed?url=http://localhost{protected}").get_json()["title"]
        == "A shared video"
    )
