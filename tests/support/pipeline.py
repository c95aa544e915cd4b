"""Driving the media pipeline from tests, and checking its output the way a player would."""

from __future__ import annotations

import itertools
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from vidstream.extensions import db
from vidstream.jobs import pipeline
from vidstream.jobs.context import Outcome
from vidstream.media.ffmpeg import ffmpeg_binary
from vidstream.models import Video


def video_id(app: Flask, public_id: str) -> int:
    """The row id of a video."""
    with app.app_context():
        found = db.session.scalar(select(Video.id).where(Video.public_id == public_id))
    assert found is not None, public_id
    return found


def process_now(app: Flask, public_id: str) -> tuple[Outcome, Outcome]:
    """Run both stages in this process, as a worker would (the direct, eager path)."""
    vid = video_id(app, public_id)
    with app.app_context():
        first = pipeline.run_stage(vid, pipeline.prepare)
    with app.app_context():
        second = pipeline.run_stage(vid, pipeline.render)
    return first, second


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@dataclass(frozen=True)
class Decoded:
    """What ffmpeg made of a URL: exit status, error output, seconds decoded."""

    returncode: int
    errors: str
    seconds: float


def decode_over_http(url: str, cookie: str | None) -> Decoded:
    """Have ffmpeg fetch ``url`` (and every playlist and segment it leads to) and decode it all."""
    headers = ["-headers", f"Cookie: vidstream_session={cookie}\r\n"] if cookie else []
    argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", *headers, "-i", url]
    argv += ["-map", "0", "-f", "null", "-", "-progress", "pipe:1", "-nostats"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    times = re.findall(r"^out_time_us=(\d+)$", result.stdout, re.MULTILINE)
    return Decoded(result.returncode, result.stderr.strip(), int(times[-1]) / 1e6 if times else 0.0)


@dataclass(frozen=True)
class Variant:
    """One ``#EXT-X-STREAM-INF`` entry of a master playlist."""

    uri: str
    attributes: dict[str, str]

    @property
    def size(self) -> tuple[int, int]:
        """RESOLUTION as (width, height)."""
        width, height = self.attributes["RESOLUTION"].split("x")
        return int(width), int(height)


def parse_master(text: str) -> list[Variant]:
    """The variants of a master playlist, in order."""
    variants: list[Variant] = []
    lines = text.splitlines()
    for line, following in itertools.pairwise(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attrs = re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
            variants.append(Variant(following, {k: v.strip('"') for k, v in attrs}))
    return variants


def parse_segments(text: str) -> list[tuple[str, float]]:
    """(file, seconds) of each segment in a media playlist."""
    found = re.findall(r"^#EXTINF:([0-9.]+),\s*\n(\S+)$", text, re.MULTILINE)
    return [(name, float(seconds)) for seconds, name in found]
