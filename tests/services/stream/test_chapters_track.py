"""The chapters track (``chapters.vtt``): from the description or the file, escaped, checked.

Access on every byte path (share links, revoked and expired grants, strangers) is
covered with the other files in test_share_viewers.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.pipeline import process_now
from tests.support.sharing import api


def chaptered_mp4(folder: Path) -> Path:
    """A 4-second MP4 with two chapter atoms."""
    metadata = folder / "chapters.txt"
    metadata.write_text(
        ";FFMETADATA1\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Arrival\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=Departure\n"
    )
    target = folder / "chaptered.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
            "-i", "testsrc2=size=320x240:rate=25:duration=4", "-i", str(metadata),
            "-map", "0:v", "-map_chapters", "1", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(target),
        ],
        check=True,
    )  # fmt: skip
    return target


def test_a_files_chapters_are_kept_at_processing_and_the_description_wins(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    auth.signup("alice")
    vid = auth.upload(chaptered_mp4(tmp_path), json=True).get_json()["video"]["id"]
    assert auth.client.get(f"/media/{vid}/chapters.vtt").status_code == 404
    process_now(app, vid)
    track = auth.client.get(f"/media/{vid}/chapters.vtt")
    assert track.status_code == 200
    assert track.mimetype == "text/vtt"
    assert track.data.decode().splitlines() == [
        "WEBVTT", "",
        "00:00:00.000 --> 00:00:02.000", "Arrival", "",
        "00:00:02.000 --> 00:00:04.000", "Departure",
    ]  # fmt: skip
    video = api(auth, "GET", f"/api/videos/{vid}").get_json()["video"]
    assert video["urls"]["chapters"] == f"/media/{vid}/chapters.vtt"

    description = "0:00 <script>alert(1)</script>\n0:03 Tom & Jerry --> the end"
    api(auth, "PATCH", f"/api/videos/{vid}", {"description": description})
    text = auth.client.get(f"/media/{vid}/chapters.vtt").data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Tom &amp; Jerry --&gt; the end" in text
    assert "<script>" not in text
    page = auth.client.get(f"/stream/{vid}").data.decode()
    assert 'data-seek="3.0"' in page and "&lt;script&gt;" in page


def test_without_chapters_there_is_no_track(
    app: Flask, auth: AuthActions, sample_mp4: Path, mallory: AuthActions
) -> None:
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    api(auth, "PATCH", f"/api/videos/{vid}", {"description": "0:00 Only one line"})
    assert auth.client.get(f"/media/{vid}/chapters.vtt").status_code == 404
    assert "chapters" not in api(auth, "GET", f"/api/videos/{vid}").get_json()["video"]["urls"]
    # A stranger and nobody learn nothing of a video with chapters either.
    api(auth, "PATCH", f"/api/videos/{vid}", {"description": "0:00 A\n0:01 B"})
    assert mallory.client.get(f"/media/{vid}/chapters.vtt").status_code == 404
    assert app.test_client().get(f"/media/{vid}/chapters.vtt").status_code == 401
