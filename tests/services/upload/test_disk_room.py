"""An upload the staging disk cannot hold is refused with 507 before its body is read."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.leftovers import nothing_left_behind
from tests.support.tus import Tus
from vidstream import current
from vidstream.services.upload import logic
from vidstream.services.upload.staging import StagedUploadRequest
from vidstream.services.upload.tus import partial as tus_partial


class Usage(NamedTuple):
    total: int
    used: int
    free: int


@pytest.fixture
def free_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pretend the staging disk has ``free_bytes[0]`` bytes free (settable by the test)."""
    free = [10**12]
    real = shutil.disk_usage

    def usage(path: Any) -> Usage:
        total, used, _free = real(path)
        return Usage(total, used, free[0])

    monkeypatch.setattr(logic.shutil, "disk_usage", usage)
    return free


def test_a_form_upload_larger_than_the_free_space_is_507_at_once(
    app: Flask, auth: AuthActions, sample_mp4: Path, free_bytes: list[int]
) -> None:
    auth.signup()
    # The declared body less the multipart envelope allowance must fit, with headroom.
    free_bytes[0] = sample_mp4.stat().st_size - logic.MULTIPART_OVERHEAD
    with nothing_left_behind(app):
        answer = auth.upload(sample_mp4, json=True)
    assert answer.status_code == 507, answer.get_json()
    assert answer.get_json()["error"]["code"] == "storage_full"
    assert "no room for an upload this large" in answer.get_json()["error"]["message"]

    free_bytes[0] = sample_mp4.stat().st_size + logic.DISK_HEADROOM_BYTES
    assert auth.upload(sample_mp4, json=True).status_code == 201


def test_a_tus_chunk_larger_than_the_free_space_is_507_and_resumable(
    app: Flask, sample_mp4: Path, free_bytes: list[int]
) -> None:
    tus = Tus.with_token(app, "alice")
    data = sample_mp4.read_bytes()
    url = tus.new(len(data))
    free_bytes[0] = logic.DISK_HEADROOM_BYTES + 1000
    first = tus.patch(url, 0, data[:1000])
    assert first.status_code == 204
    refused = tus.patch(url, 1000, data[1000:])
    assert refused.status_code == 507, refused.get_json()
    assert tus.head(url).headers["Upload-Offset"] == "1000"

    free_bytes[0] = 10**12
    done = tus.patch(url, 1000, data[1000:])
    assert done.status_code == 204 and done.headers["Upload-Video-Id"]


class _FillsUp:
    """A staging file on a disk with ``room`` bytes left: writes past that fail (ENOSPC)."""

    def __init__(self, real: Any, room: int) -> None:
        self.real, self.room = real, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return int(self.real.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_disk_that_fills_during_a_form_body_is_507_and_leaves_nothing(
    app: Flask, auth: AuthActions, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.signup()
    real = StagedUploadRequest._get_file_stream

    def small_disk(self: StagedUploadRequest, *args: Any, **kwargs: Any) -> Any:
        return _FillsUp(real(self, *args, **kwargs), room=1000)

    monkeypatch.setattr(StagedUploadRequest, "_get_file_stream", small_disk)
    with nothing_left_behind(app):
        answer = auth.upload(sample_mp4, json=True)
    assert answer.status_code == 507, answer.get_json()
    assert answer.get_json()["error"]["code"] == "storage_full"


def test_a_disk_that_fills_during_a_tus_body_keeps_what_is_recorded(
    app: Flask, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tus = Tus.with_token(app, "alice")
    data = sample_mp4.read_bytes()
    url = tus.new(len(data))
    assert tus.patch(url, 0, data[:1000]).status_code == 204
    real_write, room = os.write, [5000]

    def write(fd: int, chunk: Any) -> int:
        if len(chunk) > room[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        room[0] -= len(chunk)
        return real_write(fd, chunk)

    monkeypatch.setattr(tus_partial.os, "write", write)
    refused = tus.patch(url, 1000, data[1000:])
    assert refused.status_code == 507, refused.get_json()
    monkeypatch.undo()
    partial = tus_partial.partial_path(current.settings(app), url.split("/")[-1])
    assert partial.stat().st_size == int(tus.head(url).headers["Upload-Offset"]) == 1000
    done = tus.patch(url, 1000, data[1000:])
    assert done.status_code == 204 and done.headers["Upload-Video-Id"]
