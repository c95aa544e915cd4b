"""Hostile file names, sent with the form and as tus metadata: data only, never a path.

An upload either becomes a video whose displayed name and title are safe text and
whose bytes sit under a key vidstream built, or is refused with a 4xx and leaves
nothing behind. In neither case does any part of the name turn up on disk.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple

from flask import Flask
from hypothesis import event, given

from tests.support.accounts import AuthActions
from tests.support.corpus import corpus_settings, file_names, labelled
from tests.support.leftovers import Snapshot, changes, snapshot
from tests.support.tus import Tus
from vidstream import current


class Name(NamedTuple):
    """A name sent, and the file name shown after a form upload and after a tus upload."""

    sent: str
    form: str | None  # None: the form refuses it (no file chosen)
    tus: str


def same(sent: str, shown: str) -> Name:
    """A name both transports deliver unchanged, so both show ``shown``."""
    return Name(sent, shown, shown)


# In a multipart header a backslash escapes the next character (a quoted-pair), so
# a form upload shows Windows paths with their backslashes consumed; tus metadata is
# base64 and arrives exactly as sent.
NAMES: dict[str, Name] = {
    "parent_dir": same("../clip.mp4", "clip.mp4"),
    "etc_passwd": same("../../etc/passwd", "passwd"),
    "deep_traversal": same("../" * 40 + "etc/shadow", "shadow"),
    "absolute": same("/etc/passwd", "passwd"),
    "absolute_windows": Name("C:\\Windows\\win.ini", "Windowswin.ini", "win.ini"),
    "unc_share": Name("\\\\server\\share\\clip.mp4", "servershareclip.mp4", "clip.mp4"),
    "nul": same("clip\x00.mp4", "clip.mp4"),
    "nul_then_path": same("safe.mp4\x00/../../x.mp4", "x.mp4"),
    "ten_thousand_chars": same("x" * 10_000 + ".mp4", "x" * 255),
    "rtl_override": same("clip\u202egnp.mp4", "clipgnp.mp4"),
    "zero_width": same("cl\u200bip.mp4", "clip.mp4"),
    "emoji": same("🎬 film 🍿.mp4", "🎬 film 🍿.mp4"),
    "html": same("<img src=x onerror=alert(1)>.mp4", "<img src=x onerror=alert(1)>.mp4"),
    "percent_encoded": same("..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fetc%2Fpasswd"),
    "dot": same(".", "video.mp4"),
    "dot_dot": same("..", "video.mp4"),
    "only_dots": same("....", "video.mp4"),
    "dots_and_slashes": same("../../..", "video.mp4"),
    "blank": same("   ", "video.mp4"),
    "empty": Name("", None, "video.mp4"),
}

PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{22}")
# Files an accepted upload may add under the test's folder: its stored original, and
# the database, job queue and session files of the embedded mode, and the counters
# that tell its processes to drop what they keep in memory (media_memo.py).
EXPECTED_FILE = re.compile(
    r"data/(media/videos/[A-Za-z0-9_-]{22}/original\.mp4"
    r"|sessions/[0-9a-f]+|[a-z_]+\.db(-wal|-shm|-journal)?|(media-facts|sessions)\.generation)"
)


def files_under(root: Path) -> set[str]:
    """Every file below ``root``, relative to it."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def browser_escaped(name: str) -> str:
    """A file name as a browser writes it into a multipart header (HTML's form encoding)."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def is_safe_text(text: str, limit: int) -> bool:
    """Printable, non-blank, no path separators, not too long."""
    return (
        0 < len(text.strip()) <= limit
        and not any(unicodedata.category(c).startswith("C") for c in text)
        and "/" not in text
        and "\\" not in text
    )


def check_accepted(app: Flask, before: Snapshot, video: dict[str, Any]) -> None:
    """The new video's name and title are safe text; its bytes are under a key vidstream built."""
    assert is_safe_text(video["original_filename"], 255), video["original_filename"]
    assert video["original_filename"].strip(".") != ""
    assert is_safe_text(video["title"], 200), video["title"]
    assert PUBLIC_ID.fullmatch(video["id"])
    difference = changes(before, snapshot(app))
    assert difference["stored"] == {"added": [f"videos/{video['id']}/original.mp4"], "removed": []}
    assert "staged" not in difference


def check_no_stray_files(app: Flask, files_before: set[str]) -> None:
    """Nothing appeared on disk but the stored original and the embedded stores' files."""
    root = current.settings(app).data_dir.parent
    new = files_under(root) - files_before
    assert all(EXPECTED_FILE.fullmatch(path) for path in new), sorted(new)


def form_upload(auth: AuthActions, sample: Path, name: str) -> Any:
    """Upload ``sample`` through the form under exactly ``name``, asking for JSON."""
    with open(sample, "rb") as fh:
        data = {"filename": (fh, name), "title": "", "csrf_token": auth.csrf()}
        return auth.client.post("/upload", data=data, headers={"Accept": "application/json"})


def tus_upload(tus: Tus, sample: Path, name: str) -> dict[str, Any]:
    """Upload ``sample`` with tus, ``name`` as its filename metadata; return the new video."""
    video_id = tus.upload(sample.read_bytes(), name=name)
    answer = tus.client.get(f"/api/videos/{video_id}", headers=tus.auth)
    video: dict[str, Any] = answer.get_json()["video"]
    return video


def test_form_upload_keeps_every_name_as_data(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    root = current.settings(app).data_dir.parent
    for case, name in NAMES.items():
        with labelled(case):
            before, files_before = snapshot(app), files_under(root)
            response = form_upload(auth, sample_mp4, name.sent)
            if name.form is None:
                assert response.status_code == 400
                assert "filename" in response.get_json()["error"]["message"]
                assert not changes(before, snapshot(app))
            else:
                assert response.status_code == 201, response.get_json()
                video = response.get_json()["video"]
                assert video["original_filename"] == name.form
                check_accepted(app, before, video)
            check_no_stray_files(app, files_before)


def test_tus_upload_keeps_every_name_as_data(app: Flask, tus: Tus, sample_mp4: Path) -> None:
    root = current.settings(app).data_dir.parent
    for case, name in NAMES.items():
        with labelled(case):
            before, files_before = snapshot(app), files_under(root)
            video = tus_upload(tus, sample_mp4, name.sent)
            assert video["original_filename"] == name.tus
            check_accepted(app, before, video)
            check_no_stray_files(app, files_before)


def test_the_name_is_escaped_on_the_pages(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup()
    video = form_upload(auth, sample_mp4, NAMES["html"].sent).get_json()["video"]
    for page in ("/stream", f"/stream/{video['id']}"):
        html = auth.client.get(page).get_data(as_text=True)
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


@corpus_settings(max_examples=20)
@given(name=file_names())
def test_any_form_file_name_is_safe_or_refused(
    app: Flask, auth: AuthActions, sample_mp4: Path, name: str
) -> None:
    if not auth.client.get("/api/session").get_json()["user"]:
        auth.signup()
    root = current.settings(app).data_dir.parent
    before, files_before = snapshot(app), files_under(root)
    response = form_upload(auth, sample_mp4, browser_escaped(name))
    assert response.status_code in (201, 400), response.get_json()
    event(f"status {response.status_code}")
    if response.status_code == 201:
        check_accepted(app, before, response.get_json()["video"])
    else:
        assert not changes(before, snapshot(app))
    check_no_stray_files(app, files_before)


@corpus_settings(max_examples=20)
@given(name=file_names())
def test_any_tus_file_name_is_safe(app: Flask, tus: Tus, sample_mp4: Path, name: str) -> None:
    root = current.settings(app).data_dir.parent
    before, files_before = snapshot(app), files_under(root)
    check_accepted(app, before, tus_upload(tus, sample_mp4, name))
    check_no_stray_files(app, files_before)


def test_titles_lose_control_and_direction_characters(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    with open(sample_mp4, "rb") as fh:
        data = {
            "filename": (fh, "clip.mp4"),
            "title": " Holiday\u202e4pm.exe\x00\u2066 ",
            "csrf_token": auth.csrf(),
        }
        answer = auth.client.post("/upload", data=data, headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["video"]["title"] == "Holiday4pm.exe"
