"""The media disk runs full during a form upload and during a tus PATCH.

The server's data directory (staging and media, and in the embedded mode its session
files and rate-limit counters) is on a small tmpfs mounted for the test; the database
stays where the test's settings put it. A filler file leaves less room than an upload
needs. Both uploads must get 507 with a clear message (at once, as the declared size
cannot fit; tests/services/upload/test_disk_room.py runs a disk out of room mid-body) and
leave nothing half-written:
a form upload no staging file, a tus upload exactly the bytes its offset records, so
it can resume. With not one byte left, every answer is still a clear one, even after
the server is restarted. Once the fillers are deleted, the tus upload resumes and a
form upload succeeds.

A PATCH that fits when it starts meets a full disk halfway through its body in the
last test: the body is spliced from gunicorn's socket to the file, the disk is filled
between two parts of it, and what it wrote is cut back to the recorded offset.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask

from tests.support.consistency import assert_consistent, staging_leftovers, stored_files
from tests.support.media import make_large_mp4
from tests.support.restartable import RestartableServer, server_env, serving
from tests.support.waiting import wait_until
from vidstream.config import Settings
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.tokens import create_token

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
DISK_MIB = 24
UPLOAD = 8 * MIB
# Room left next to the filler: less than an upload, plenty for sessions and counters.
ROOM = 4 * MIB
TUS = {"Tus-Resumable": "1.0.0"}
# Refused up front when the declared size cannot fit, or when a write runs out of room.
FULL_MESSAGES = (
    "The server has no room for an upload this large right now. Try again later, "
    "or ask its administrator to free some space.",
    "The server is out of storage space for videos.",
)


def _mount_small_disk(mount_point: Path) -> None:
    """Mount a tmpfs of DISK_MIB at ``mount_point``; skip (fail under CI) if refused."""
    mount_point.mkdir()
    argv = ["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m,mode=0700", "tmpfs", str(mount_point)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = f"cannot mount a tmpfs for the full-disk test: {result.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A DISK_MIB tmpfs mounted for this test only."""
    mount_point = tmp_path / "disk"
    _mount_small_disk(mount_point)
    yield mount_point
    if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


@pytest.fixture
def server(
    request: pytest.FixtureRequest,
    app: Flask,
    settings: Settings,
    small_disk: Path,
    tmp_path: Path,
) -> Iterator[RestartableServer]:
    """All three services with their data dir on the small disk."""
    env = server_env(settings, VIDSTREAM_DATA_DIR=str(small_disk / "data"))
    with serving(request, env, tmp_path / "logs") as server:
        yield server


def _free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def _fill(disk: Path, name: str, leave: int) -> Path:
    """Write a filler file that leaves ``leave`` bytes free on ``disk``."""
    filler = disk / name
    with open(filler, "wb") as out:
        while (room := _free_bytes(disk) - leave) > 0:
            try:
                out.write(b"\0" * min(room, MIB))
                out.flush()
            except OSError:
                break
    return filler


@dataclass
class Alice:
    """One user, as a signed-in browser (form uploads) and as a script (tus, API)."""

    base: str
    browser: requests.Session
    csrf: str
    bearer: dict[str, str]

    @classmethod
    def sign_in(cls, app: Flask, base: str) -> Alice:
        """Create alice and her token; sign in through the server itself."""
        with app.app_context():
            owner = create_user("alice", "correct horse")
            _, secret = create_token(owner.id, "uploads")
        browser = requests.Session()
        token = browser.get(f"{base}/api/session", timeout=10).json()["csrf_token"]
        data = {"username": "alice", "password": "correct horse", "csrf_token": token}
        assert browser.post(f"{base}/signin", data=data, timeout=10).status_code == 200
        csrf = browser.get(f"{base}/api/session", timeout=10).json()["csrf_token"]
        return cls(base, browser, csrf, {"Authorization": f"Bearer {secret}"})

    def form_upload(self, source: Path) -> requests.Response:
        """POST the file to the upload form, asking for JSON, on a connection of its own.

        gunicorn closes the connection of a request whose body it did not read (after a
        507), so reusing it for the next request would race that close.
        """
        with source.open("rb") as fh:
            return requests.post(
                f"{self.base}/upload",
                files={"filename": (source.name, fh, "video/mp4")},
                data={"csrf_token": self.csrf},
                headers={"Accept": "application/json"},
                cookies=self.browser.cookies,
                timeout=60,
            )

    def create_tus(self, length: int) -> str:
        """Create a resumable upload; return its URL."""
        headers = {**TUS, **self.bearer, "Upload-Length": str(length)}
        created = requests.post(f"{self.base}/api/uploads/", headers=headers, timeout=10)
        assert created.status_code == 201, created.text
        return str(
            requests.compat.urljoin(f"{self.base}/api/uploads/", created.headers["Location"])
        )

    def patch(self, url: str, source: Path, offset: int) -> requests.Response:
        """Send the rest of ``source`` from ``offset`` in one PATCH."""
        headers = {**TUS, **self.bearer, "Upload-Offset": str(offset)}
        headers["Content-Type"] = "application/offset+octet-stream"
        with source.open("rb") as fh:
            fh.seek(offset)
            return requests.patch(url, data=fh, headers=headers, timeout=60)

    def patch_bytes(self, url: str, offset: int, data: bytes) -> requests.Response:
        """Send ``data`` at ``offset`` in one PATCH."""
        headers = {**TUS, **self.bearer, "Upload-Offset": str(offset)}
        headers["Content-Type"] = "application/offset+octet-stream"
        return requests.patch(url, data=data, headers=headers, timeout=60)

    def offset(self, url: str) -> int:
        """The upload's offset, as HEAD reports it."""
        answer = requests.head(url, headers={**TUS, **self.bearer}, timeout=10)
        return int(answer.headers["Upload-Offset"])


def _assert_error(answer: requests.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    if status == 507:
        assert error["message"] in FULL_MESSAGES


def _while_no_byte_is_free(alice: Alice, tus_url: str, source: Path) -> None:
    """With the disk completely full, every answer is a success or a clear error."""
    assert requests.get(f"{alice.base}/healthz", timeout=10).status_code == 200
    # In the embedded mode the rate-limit counters are on this disk and may not count.
    listed = requests.get(f"{alice.base}/api/videos", headers=alice.bearer, timeout=10)
    if listed.status_code != 200:
        _assert_error(listed, 503, "unavailable")
    # A form upload is counted first (the same 503), then needs room.
    form = alice.form_upload(source)
    assert form.status_code in (503, 507), form.text
    _assert_error(
        form, form.status_code, {503: "unavailable", 507: "storage_full"}[form.status_code]
    )
    _assert_error(alice.patch(tus_url, source, alice.offset(tus_url)), 507, "storage_full")


def test_a_full_disk_is_507_leaves_nothing_half_written_and_recovers(
    app: Flask, server: RestartableServer, small_disk: Path, sample_mp4: Path, tmp_path: Path
) -> None:
    data_dir = small_disk / "data"
    alice = Alice.sign_in(app, server.url)
    assert alice.form_upload(sample_mp4).status_code == 201
    kept = stored_files(data_dir)
    source = make_large_mp4(tmp_path / "trip.mp4", UPLOAD)
    fillers = [_fill(small_disk, "filler", ROOM)]

    _assert_error(alice.form_upload(source), 507, "storage_full")
    wait_until("the staging file to go", lambda: staging_leftovers(data_dir) == [])
    assert stored_files(data_dir) == kept
    assert _free_bytes(small_disk) >= ROOM - MIB

    url = alice.create_tus(UPLOAD)
    _assert_error(alice.patch(url, source, 0), 507, "storage_full")
    offset = alice.offset(url)
    partial = data_dir / "staging" / "tus" / url.rsplit("/", 1)[1]
    assert partial.stat().st_size == offset == 0  # refused before its body: nothing written
    assert _free_bytes(small_disk) >= ROOM - MIB
    assert_consistent(server.env)

    fillers.append(_fill(small_disk, "last-bytes", 0))
    _while_no_byte_is_free(alice, url, source)
    server.restart()  # as an operator might, to see whether that helps
    _while_no_byte_is_free(alice, url, source)
    assert partial.stat().st_size == alice.offset(url) == offset
    wait_until("the staging file to go", lambda: staging_leftovers(data_dir) == [])
    assert stored_files(data_dir) == kept

    for filler in fillers:
        filler.unlink()
    resumed = alice.patch(url, source, offset)
    assert resumed.status_code == 204, resumed.text
    assert int(resumed.headers["Upload-Offset"]) == UPLOAD
    again = alice.form_upload(source)
    assert again.status_code == 201, again.text
    assert set(stored_files(data_dir)) == {
        *kept,
        f"videos/{resumed.headers['Upload-Video-Id']}/original.mp4",
        f"videos/{again.json()['video']['id']}/original.mp4",
    }
    assert staging_leftovers(data_dir) == [] and not partial.exists()
    assert_consistent(server.env)


def _send_patch(url: str, bearer: dict[str, str], offset: int, body: bytes) -> socket.socket:
    """Open a PATCH of ``body`` at ``offset`` over a raw socket; send only its headers."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
    head = [
        f"PATCH {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        *(f"{name}: {value}" for name, value in {**TUS, **bearer}.items()),
        f"Upload-Offset: {offset}",
        "Content-Type: application/offset+octet-stream",
        f"Content-Length: {len(body)}",
    ]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    return sock


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    """Send ``data``; the server may answer and close before taking all of it."""
    with contextlib.suppress(OSError):
        sock.sendall(data)


def _answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of the one answer on ``sock``."""
    received = b""
    while b"\r\n\r\n" not in received:
        piece = sock.recv(65536)
        assert piece, f"the connection closed without an answer: {received!r}"
        received += piece
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    length = int({k.lower(): v for k, v in fields.items()}["content-length"])
    while len(body) < length:
        piece = sock.recv(65536)
        assert piece, "the connection closed in the middle of the answer"
        body += piece
    return int(lines[0].split()[1]), json.loads(body[:length])


def test_a_disk_that_fills_while_a_tus_body_arrives_is_507_and_cut_back(
    app: Flask, server: RestartableServer, small_disk: Path, sample_mp4: Path, tmp_path: Path
) -> None:
    """The body is spliced from gunicorn's socket to the partial file; the disk runs out
    between two parts of it. The PATCH is 507, the bytes it had written are cut back to
    the offset recorded before it, and the upload resumes to a byte-exact file."""
    data_dir = small_disk / "data"
    alice = Alice.sign_in(app, server.url)
    source = make_large_mp4(tmp_path / "trip.mp4", UPLOAD)
    data = source.read_bytes()
    url = alice.create_tus(UPLOAD)
    partial = data_dir / "staging" / "tus" / url.rsplit("/", 1)[1]
    recorded = MIB
    first = alice.patch_bytes(url, 0, data[:recorded])
    assert first.status_code == 204, first.text
    assert alice.offset(url) == recorded

    arrived = 2 * MIB
    sock = _send_patch(url, alice.bearer, recorded, data[recorded:])
    with sock:
        _send_quietly(sock, data[recorded : recorded + arrived])
        wait_until(
            "the first part of the body to reach the disk",
            lambda: partial.stat().st_size == recorded + arrived,
        )
        filler = _fill(small_disk, "filler", 0)
        sender = threading.Thread(target=_send_quietly, args=(sock, data[recorded + arrived :]))
        sender.start()
        status, answer = _answer(sock)
        sender.join(timeout=60)
    assert status == 507, answer
    assert answer["error"]["code"] == "storage_full"
    assert answer["error"]["message"] in FULL_MESSAGES

    filler.unlink()
    assert partial.stat().st_size == alice.offset(url) == recorded
    assert partial.read_bytes() == data[:recorded]
    resumed = alice.patch_bytes(url, recorded, data[recorded:])
    assert resumed.status_code == 204, resumed.text
    video_id = resumed.headers["Upload-Video-Id"]
    assert (data_dir / "media" / "videos" / video_id / "original.mp4").read_bytes() == data
    assert_consistent(server.env)
