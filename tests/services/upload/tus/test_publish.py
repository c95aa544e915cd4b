"""A finished upload is stored as bytes no descriptor of its partial file can reach."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from tests.support.tus import Tus
from vidstream import current
from vidstream.services.upload.tus.partial import partial_path


@pytest.fixture
def tus(app: Flask) -> Tus:
    return Tus.with_token(app, "alice")


def test_a_descriptor_of_the_partial_cannot_reach_the_stored_original(
    app: Flask, tus: Tus, sample_mp4: Path
) -> None:
    # A writer that stalled past its lock holds such a descriptor (see test_stale_writer).
    data = sample_mp4.read_bytes()
    url = tus.new(len(data))
    assert tus.patch(url, 0, data[:100]).status_code == 204
    stale = os.open(partial_path(current.settings(app), url.rsplit("/", 1)[1]), os.O_WRONLY)
    try:
        finished = tus.patch(url, 100, data[100:])
        assert finished.status_code == 204, finished.get_json()
        os.pwrite(stale, b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n", 0)
    finally:
        os.close(stale)
    video_id = finished.headers["Upload-Video-Id"]
    stored = current.storage(app).path(f"videos/{video_id}/original.mp4")
    assert stored.read_bytes() == data
