"""Hostile caption files and fields: a precise 4xx and nothing left behind, or inert text.

Each refused file is also sent as a replacement of an existing caption, which must
stay exactly as it was. Files that are accepted must come out as WebVTT whose cue
text holds no markup but the spans kept on purpose (i, b, u).
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.leftovers import nothing_left_behind
from vidstream import current

GOOD = b"1\n00:00:01,000 --> 00:00:02,000\nGood\n"
ASS_HEAD = (
    "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize\nStyle: Default,Arial,20\n\n[Events]\n"
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
)

# name: (file bytes, status, words the message must contain)
REFUSED: dict[str, tuple[bytes, int, str]] = {
    "binary_png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 415, "not a caption file"),
    "binary_nul": (b"1\n00:00:01,000 --> 00:00:02,000\nhi\x00there\n", 415, "not a caption file"),
    "utf16_without_bom": (GOOD.decode().encode("utf-16-le"), 415, "not a caption file"),
    "utf32": (codecs.BOM_UTF32_LE + GOOD.decode().encode("utf-32-le"), 415, "not a caption file"),
    "plain_prose": (b"Just some words, no timings at all.\n", 415, "not a caption file"),
    "microdvd": (b"{25}{50}Hello\n{60}{80}There\n", 415, "not a caption file"),
    "pysubs2_json": (b'{"info": {}, "styles": {}, "events": []}', 415, "not a caption file"),
    "empty": (b"", 422, "empty"),
    "only_whitespace": (b"\n\n   \n", 422, "empty"),
    "webvtt_header_only": (b"WEBVTT\n\n", 422, "no cues"),
    "srt_only_blank_cues": (b"1\n00:00:01,000 --> 00:00:02,000\n   \n", 422, "no cues"),
    "ends_before_it_starts": (b"1\n00:00:05,000 --> 00:00:01,000\nBackwards\n", 422, "impossible"),
    "beyond_99_hours": (b"1\n00:00:00,000 --> 999999:00:01,000\nLate\n", 422, "impossible"),
    "ass_events_only_comments": (
        (ASS_HEAD + "Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,secret\n").encode(),
        422,
        "no cues",
    ),
    "ass_drawing_only": (
        (ASS_HEAD + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\p1}m 0 0 l 9\n").encode(),
        422,
        "no cues",
    ),
}

SUMMER = "1\n00:00:01,000 --> 00:00:02,000\nÉté\n"
CAFE = "1\n00:00:01,000 --> 00:00:02,000\nCafé “quoted”\n"

# name: (file bytes, what the served WebVTT must contain, what it must not)
INERT: dict[str, tuple[bytes, str, str]] = {
    "srt_script_tag": (
        b"1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>Hi\n",
        "alert(1)Hi",
        "<script",
    ),
    "vtt_escaped_script": (
        b"WEBVTT\n\n00:01.000 --> 00:02.000\n&lt;script&gt;alert(1)&lt;/script&gt;\n",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<script",
    ),
    "vtt_raw_script_and_img": (
        b"WEBVTT\n\n00:01.000 --> 00:02.000\n<script>x()</script><img src=x onerror=y()>ok\n",
        "x()ok",
        "<img",
    ),
    "vtt_class_and_voice_spans": (
        b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Bob><c.red>Hello</c></v> <b>bold</b>\n",
        "Hello <b>bold</b>",
        "<v",
    ),
    "ass_override_tags_and_markup": (
        (
            ASS_HEAD + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,"
            "{\\an8\\pos(1,2)}{\\i1}<b>not a tag</b>{\\i0}\n"
        ).encode(),
        "<i>&lt;b&gt;not a tag&lt;/b&gt;</i>",
        "\\an8",
    ),
    "arrow_in_text": (
        b"1\n00:00:01,000 --> 00:00:02,000\nA --> B\n\n\n\nstray\n",
        "A --&gt; B",
        "A -->",
    ),
    "note_block": (
        b"WEBVTT\n\nNOTE <script>\n\n00:01.000 --> 00:02.000\nShown\n",
        "Shown",
        "NOTE",
    ),
    "utf8_bom": (codecs.BOM_UTF8 + SUMMER.encode(), "Été", "\ufeff"),
    "utf16_bom": (SUMMER.encode("utf-16"), "Été", "\x00"),
    "windows_1252": (CAFE.encode("cp1252"), "Café “quoted”", "\ufffd"),
    "crlf_line_ends": (b"1\r\n00:00:01,000 --> 00:00:02,000\r\nWindows\r\n", "Windows", "\r"),
}


@pytest.fixture
def owner(app: Flask, sample_mp4: Path) -> tuple[AuthActions, str]:
    """Alice, with a video that already has an English caption."""
    alice = AuthActions(app.test_client())
    alice.signup("alice")
    vid = alice.upload(sample_mp4, json=True).get_json()["video"]["id"]
    assert send(alice, vid, GOOD, "en").status_code == 201
    return alice, vid


def send(auth: AuthActions, vid: str, data: bytes, language: str, **more: Any) -> Any:
    """POST a caption file through the API with the session's CSRF token."""
    form = {"file": (io.BytesIO(data), "captions.srt"), "language": language, **more}
    return auth.client.post(
        f"/api/videos/{vid}/captions", data=form, headers={"X-CSRFToken": auth.csrf()}
    )


def stored_caption(app: Flask, vid: str) -> bytes:
    """The bytes of the video's English caption as stored."""
    with current.storage(app).open(f"videos/{vid}/captions/en.vtt") as fh:
        return fh.read()


@pytest.mark.parametrize(("name", "case"), list(REFUSED.items()))
def test_a_hostile_caption_file_is_refused_and_leaves_nothing(
    app: Flask, owner: tuple[AuthActions, str], name: str, case: tuple[bytes, int, str]
) -> None:
    alice, vid = owner
    data, status, words = case
    before = stored_caption(app, vid)
    with nothing_left_behind(app):
        for language in ("fr", "en"):
            answer = send(alice, vid, data, language)
            assert answer.status_code == status, (name, answer.get_json())
            assert words in answer.get_json()["error"]["message"], answer.get_json()
    assert stored_caption(app, vid) == before


@pytest.mark.parametrize(("name", "case"), list(INERT.items()))
def test_accepted_caption_text_is_inert(
    owner: tuple[AuthActions, str], name: str, case: tuple[bytes, str, str]
) -> None:
    alice, vid = owner
    data, shown, absent = case
    answer = send(alice, vid, data, "de")
    assert answer.status_code == 201, (name, answer.get_json())
    text = alice.client.get(f"/media/{vid}/captions/de.vtt").get_data(as_text=True)
    assert shown in text
    assert absent not in text
    # Outside the spans kept on purpose, no tag survives.
    assert not re.search(r"<(?!/?[ibu]>)", text), text


def test_a_body_over_the_limit_is_413_and_leaves_nothing(
    app: Flask, owner: tuple[AuthActions, str]
) -> None:
    alice, vid = owner
    huge = GOOD + b"x" * (2 * 1024 * 1024)
    with nothing_left_behind(app):
        answer = send(alice, vid, huge, "fr")
    assert answer.status_code == 413


FIELDS: dict[str, tuple[dict[str, Any], int]] = {
    "no_file": ({"language": "fr"}, 400),
    "no_language": ({"file": (io.BytesIO(GOOD), "a.srt")}, 400),
    "traversal_language": ({"file": (io.BytesIO(GOOD), "a.srt"), "language": "../../x"}, 400),
    "dotted_language": ({"file": (io.BytesIO(GOOD), "a.srt"), "language": "en.vtt"}, 400),
    "underscore_language": ({"file": (io.BytesIO(GOOD), "a.srt"), "language": "pt_BR"}, 400),
    "long_language": ({"file": (io.BytesIO(GOOD), "a.srt"), "language": "en-" + "a" * 60}, 400),
    "nul_language": ({"file": (io.BytesIO(GOOD), "a.srt"), "language": "en\x00"}, 400),
}


@pytest.mark.parametrize(("name", "case"), list(FIELDS.items()))
def test_bad_fields_are_400_and_leave_nothing(
    app: Flask, owner: tuple[AuthActions, str], name: str, case: tuple[dict[str, Any], int]
) -> None:
    alice, vid = owner
    form, status = case
    with nothing_left_behind(app):
        answer = alice.client.post(
            f"/api/videos/{vid}/captions", data=form, headers={"X-CSRFToken": alice.csrf()}
        )
    assert answer.status_code == status, (name, answer.get_json())


def test_a_hostile_label_is_kept_as_clean_text(owner: tuple[AuthActions, str]) -> None:
    alice, vid = owner
    label = '<script>"x"</script>\u202e\n' + "y" * 500
    caption = send(alice, vid, GOOD, "fr", label=label).get_json()["caption"]
    assert caption["label"] == ('<script>"x"</script>' + "y" * 500)[:100]
    page = alice.client.get(f"/stream/{vid}").get_data(as_text=True)
    assert "<script>&#34;x&#34;" not in page and '<script>"x"' not in page
