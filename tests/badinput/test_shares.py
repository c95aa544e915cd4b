"""Hostile share tokens, grants, passwords and link options: a clear 4xx, never a 5xx.

Whatever a client puts where a share token, a grant or a password goes (thousands of
characters, unicode, path syntax, percent-encoded separators, NUL), the answer is a
4xx and nothing changes: no share row, no view counted. Link options sent to the API
are either taken (and stored cleaned) or refused with a 400 that leaves no share.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.support.accounts import AuthActions
from tests.support.corpus import corpus_settings, labelled
from tests.support.leftovers import nothing_left_behind
from tests.support.sharing import api, form_token, make_link, media_base
from vidstream.extensions import db
from vidstream.models import Share

# Raw path segments, as a client could send them (the test client passes them as given).
HOSTILE_SEGMENTS: dict[str, str] = {
    "ten_thousand_chars": "a" * 10_000,
    "token_sized_but_wrong": "A" * 32,
    "unicode": quote("t\u00f6k\u0435n\u202e\U0001f600"),
    "dot_dot": "..",
    "dot": ".",
    "encoded_dot_dot": "%2e%2e",
    "encoded_slash": "a%2Fb",
    "encoded_backslash": "a%5Cb",
    "nul": "a%00b",
    "encoded_nul_only": "%00",
    "percent_alone": "%",
    "bad_percent": "%zz",
    "sql": quote("' OR 1=1 --"),
    "script": quote("<script>alert(1)</script>"),
    "spaces": "%20%20",
}
MEDIA_FILES = ["original.mp4", "download", "hls/master.m3u8", "hls/360p/index.m3u8", "poster.jpg"]


@pytest.fixture
def video(auth: AuthActions, sample_mp4: Path) -> str:
    """Alice's unlisted, playable video."""
    auth.signup("alice")
    vid: str = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    assert api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"}).status_code == 200
    return vid


def refused(answer: Any, case: str) -> None:
    """A clear 4xx: a page or JSON that says what went wrong, never a traceback."""
    with labelled(case):
        assert 400 <= answer.status_code < 500, answer.status_code
        assert b"Traceback" not in answer.data


def count_shares(app: Flask) -> int:
    """Rows in the shares table, revoked ones included."""
    with app.app_context():
        return db.session.query(Share).count()


@pytest.mark.parametrize("name", HOSTILE_SEGMENTS)
def test_hostile_tokens_open_nothing(app: Flask, video: str, auth: AuthActions, name: str) -> None:
    token = HOSTILE_SEGMENTS[name]
    base = media_base(app.test_client().get(make_link(auth, video)).data.decode())
    grant = base.split("/")[4]
    anyone = app.test_client()
    with nothing_left_behind(app):
        paths = [f"/s/{token}", f"/s/{token}/embed", f"/s/{token}/grant?grant={grant}"]
        paths += [f"/s/{token}/m/{grant}/{file}" for file in MEDIA_FILES]
        for path in paths:
            refused(anyone.get(path), f"{name} GET {path[:80]}")
            refused(anyone.head(path), f"{name} HEAD {path[:80]}")
        posted = anyone.post(f"/s/{token}", data={"password": "x", "form_token": "y"})
        refused(posted, f"{name} POST")
        refused(anyone.get(f"/oembed?url=http://localhost/s/{token}"), f"{name} oEmbed")


@pytest.mark.parametrize("name", HOSTILE_SEGMENTS)
def test_hostile_grants_open_nothing(app: Flask, video: str, auth: AuthActions, name: str) -> None:
    link = make_link(auth, video)
    anyone = app.test_client()
    grant = HOSTILE_SEGMENTS[name]
    with nothing_left_behind(app):
        for file in MEDIA_FILES:
            refused(anyone.get(f"{link}/m/{grant}/{file}"), f"{name} {file}")
        refused(anyone.get(f"{link}/grant?grant={grant}"), f"{name} renew")


def test_grants_of_other_links_and_other_secrets_open_nothing(
    app: Flask, video: str, auth: AuthActions
) -> None:
    link, other = make_link(auth, video), make_link(auth, video)
    viewer = app.test_client()
    theirs = media_base(viewer.get(other).data.decode()).split("/")[4]
    with app.app_context():
        from itsdangerous import URLSafeTimedSerializer

        share_id = db.session.query(Share.public_id).order_by(Share.id).first()
        assert share_id is not None
        foreign = URLSafeTimedSerializer("not our secret", salt="vidstream.share-grant")
        forged = str(foreign.dumps(share_id[0]))
    for grant in (theirs, forged, theirs + "x", theirs.upper()):
        refused(viewer.get(f"{link}/m/{grant}/original.mp4"), grant)
        assert viewer.get(f"{link}/m/{grant}/original.mp4").status_code == 404


HOSTILE_PASSWORDS: dict[str, Any] = {
    "empty": "",
    "huge": "p" * 100_000,
    "over_the_form_limit": "p" * 600_000,
    "unicode": "\u00f6ffne dich \U0001f510",
    "nul": "open\x00sesame",
    "rtl": "\u202eemases nepo",
    "prefix_of_the_right_one": "open sesam",
    "right_one_padded": "open sesame ",
    "many_values": ["guess", "open sesame"],  # the first one counts
}


@pytest.mark.parametrize("name", HOSTILE_PASSWORDS)
def test_hostile_passwords_count_no_view(
    app: Flask, video: str, auth: AuthActions, name: str
) -> None:
    link = make_link(auth, video, password="open sesame")
    viewer = app.test_client()
    token = form_token(viewer.get(link).data.decode())
    password = HOSTILE_PASSWORDS[name]
    with nothing_left_behind(app):
        for target in (link, f"{link}/embed"):
            answer = viewer.post(target, data={"form_token": token, "password": password})
            refused(answer, f"{name} {target}")
            assert b"data-mp4" not in answer.data
        for bad_token in ("", "x" * 10_000, token[:-3] + "abc", "\u00e9"):
            answer = viewer.post(link, data={"form_token": bad_token, "password": "open sesame"})
            refused(answer, f"form token {bad_token[:20]!r}")
            assert answer.status_code == 400


@pytest.mark.parametrize(
    "password",
    ["\u00f6ffne dich \U0001f510", "\u5bc6\u7801\u5bc6\u7801", "tab\there", "x" * 200, "    "],
)
def test_unicode_passwords_are_kept_exactly(
    app: Flask, video: str, auth: AuthActions, password: str
) -> None:
    link = make_link(auth, video, password=password)
    viewer = app.test_client()
    token = form_token(viewer.get(link).data.decode())
    assert (
        viewer.post(link, data={"form_token": token, "password": password + "!"}).status_code == 403
    )
    opened = viewer.post(link, data={"form_token": token, "password": password})
    assert opened.status_code == 200 and b"data-mp4" in opened.data


HOSTILE_OPTIONS: dict[str, Any] = {
    "negative_expiry": {"expires_in_seconds": -1},
    "float_expiry": {"expires_in_seconds": 3600.0},
    "huge_expiry": {"expires_in_seconds": 10**400},
    "huge_expiry_text": {"expires_in_seconds": "9" * 5000},
    "exponent_text": {"expires_in_seconds": "3.6e3"},
    "arabic_indic_digits": {"expires_in_seconds": "\u0663\u0666\u0660\u0660"},
    "fullwidth_digits": {"expires_in_seconds": "\uff13\uff16\uff10\uff10"},
    "underscored_digits": {"expires_in_seconds": "3_600"},
    "padded_digits": {"expires_in_seconds": " 3600 "},
    "signed_digits": {"expires_in_seconds": "+3600"},
    "nul_in_digits": {"expires_in_seconds": "36\x0000"},
    "expiry_object": {"expires_in_seconds": {"$gt": 0}},
    "views_list": {"max_views": [1]},
    "views_negative_text": {"max_views": "-1"},
    "views_huge": {"max_views": 2**64},
    "download_text": {"allow_download": "true"},
    "download_number": {"allow_download": 1},
    "download_null": {"allow_download": None},
    "password_number": {"password": 12345},
    "password_list": {"password": ["open sesame"]},
    "password_short_unicode": {"password": "\U0001f510\U0001f510\U0001f510"},
    "password_huge": {"password": "p" * 1_000_000},
    "label_number": {"label": 5},
    "label_object": {"label": {"a": 1}},
    "unknown_field": {"expires": 3600},
    "username_with_options": {"username": "mallory", "label": "x"},
    "username_number": {"username": 7},
    "username_huge": {"username": "a" * 100_000},
    "username_nul": {"username": "mal\x00lory"},
}


@pytest.mark.parametrize("name", HOSTILE_OPTIONS)
def test_hostile_options_are_400_and_leave_no_share(
    app: Flask, video: str, auth: AuthActions, name: str
) -> None:
    before = count_shares(app)
    answer = api(auth, "POST", f"/api/videos/{video}/shares", HOSTILE_OPTIONS[name])
    refused(answer, name)
    assert answer.get_json()["error"]["message"]
    assert count_shares(app) == before


HOSTILE_BODIES: dict[str, bytes] = {
    "not_json": b"expires_in_seconds=60",
    "truncated": b'{"label": "x"',
    "a_list": b"[]",
    "a_string": b'"label"',
    "null": b"null",
    "deeply_nested": b'{"label": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "nan": b'{"max_views": NaN}',
    "infinity": b'{"expires_in_seconds": Infinity}',
    "bad_utf8": b'{"label": "\xff\xfe"}',
    "nul_key": b'{"label\\u0000": "x"}',
}


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_hostile_bodies_are_400_and_leave_no_share(
    app: Flask, video: str, auth: AuthActions, name: str
) -> None:
    before = count_shares(app)
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    answer = auth.client.post(
        f"/api/videos/{video}/shares", data=HOSTILE_BODIES[name], headers=headers
    )
    refused(answer, name)
    assert count_shares(app) == before


@pytest.mark.parametrize("name", HOSTILE_SEGMENTS)
def test_hostile_share_ids_and_video_ids(
    app: Flask, video: str, auth: AuthActions, name: str
) -> None:
    segment = HOSTILE_SEGMENTS[name]
    make_link(auth, video)
    with nothing_left_behind(app):
        refused(api(auth, "DELETE", f"/api/videos/{video}/shares/{segment}"), f"{name} revoke")
        refused(api(auth, "GET", f"/api/videos/{segment}/shares"), f"{name} list")
        refused(api(auth, "POST", f"/api/videos/{segment}/shares", {}), f"{name} create")
        refused(app.test_client().get(f"/u/{segment}"), f"{name} public page")
        embed = app.test_client().get(f"/embed/{segment}")
        if embed.status_code == 302:  # anonymous: asked to sign in, as for any video
            assert "/signin" in embed.headers["Location"]
        else:
            refused(embed, f"{name} embed")


# None: refused (400), as the API description's maxLength of 100 says.
LABELS: dict[str, tuple[str, str | None]] = {
    "nul": ("for\x00grandma", "forgrandma"),
    "rtl_override": ("\u202eamdnarg rof", "amdnarg rof"),
    "lone_surrogate": ("\ud800x", "x"),
    "line_breaks": ("a\r\nb\nc", "abc"),
    "ten_thousand_chars": ("\u00e9" * 10_000, None),
    "hundred_chars": ("\u00e9" * 100, "\u00e9" * 100),
    "markup": ("<b>hi</b>", "<b>hi</b>"),
}


@pytest.mark.parametrize("name", LABELS)
def test_labels_are_stored_cleaned(app: Flask, video: str, auth: AuthActions, name: str) -> None:
    sent, kept = LABELS[name]
    answer = api(auth, "POST", f"/api/videos/{video}/shares", {"label": sent})
    if kept is None:
        assert answer.status_code == 400 and count_shares(app) == 0
        return
    assert answer.status_code == 201
    assert answer.get_json()["share"]["label"] == kept
    page = auth.client.get(f"/stream/{video}").data.decode()
    assert "<b>hi</b>" not in page


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
OPTION_BODIES = st.dictionaries(
    st.sampled_from(["expires_in_seconds", "password", "max_views", "allow_download", "label"]),
    JSON_VALUES,
)


@corpus_settings(max_examples=60)
@given(body=OPTION_BODIES)
def test_any_option_values_are_taken_cleaned_or_refused(
    app: Flask, video: str, auth: AuthActions, body: dict[str, Any]
) -> None:
    before = count_shares(app)
    answer = api(auth, "POST", f"/api/videos/{video}/shares", body)
    with labelled(json.dumps(body, default=str)[:200]):
        assert answer.status_code in (201, 400, 409), answer.status_code
        if answer.status_code != 201:
            assert count_shares(app) == before
            return
        share = answer.get_json()["share"]
        assert len(share["label"]) <= 100
        assert all(c.isprintable() for c in share["label"])
        assert count_shares(app) == before + 1
        # Link options arrive whole or not at all: what was sent is what is stored.
        for field in ("max_views", "allow_download"):
            if body.get(field) not in (None, ""):
                assert share[field] == body[field]
    revoke = api(auth, "DELETE", f"/api/videos/{video}/shares/{share['id']}")
    assert revoke.status_code == 204
