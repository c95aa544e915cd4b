"""One measurement of ``bench.pipeline`` in a fresh interpreter; prints JSON on stdout.

``pipeline SOURCE DATA PRESET``: upload, then both pipeline stages as a worker runs them.
``bare SOURCE DIR PRESET POSTER_AT``: the same ffmpeg commands, nothing around them.
``upload BIG DATA``: upload while a worker waits; seconds until the video is playable.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import av
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from vidstream import create_app, current
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.jobs import pipeline, records
from vidstream.jobs.lease import Lease
from vidstream.jobs.steps import plan_rungs
from vidstream.media.encoders import choose_encoder
from vidstream.media.faststart import faststart_args, moov_at_front
from vidstream.media.ffmpeg import ffmpeg_command
from vidstream.media.hls import EncodeOptions, folders, hls_args
from vidstream.media.ladder import Rendition
from vidstream.media.poster import pick_poster_time, poster_args
from vidstream.media.probe import probe_video
from vidstream.media.storyboard import plan_storyboard, storyboard_args
from vidstream.migrations.runner import upgrade_database
from vidstream.models import Video, VideoStatus


def _library(data: Path, **overrides: Any) -> tuple[Flask, FlaskClient]:
    app = create_app(load_settings(env={}, data_dir=data, **overrides))
    upgrade_database(app)
    client = app.test_client()
    password = {"password": "bench-password-1", "confirm": "bench-password-1"}
    token = client.get("/api/session").get_json()["csrf_token"]
    client.post("/signup", data={"username": "bench", "csrf_token": token, **password})
    return app, client


def _upload(client: FlaskClient, source: Path) -> str:
    token = client.get("/api/session").get_json()["csrf_token"]
    with source.open("rb") as fh:
        answer = client.post("/upload", data={"filename": (fh, source.name), "csrf_token": token},
                             headers={"Accept": "application/json"})  # fmt: skip
    if answer.status_code != 201:
        raise SystemExit(f"upload failed: {answer.status_code} {answer.get_data(as_text=True)}")
    public_id: str = answer.get_json()["video"]["id"]
    return public_id


def _first_rung_probe(client: FlaskClient, public_id: str, answered: float) -> dict[str, Any]:
    """Make the ladder's announcement fetch, as a player would, what it needs to start.

    Wraps ``records.publish_renditions`` (called once every rendition has its first
    segments): right after it, the master, the lowest rung's playlist, its init
    section and first segment, and the audio playlist are fetched over the app.
    """
    found: dict[str, Any] = {}
    real = records.publish_renditions

    def announced(facts: Any, names: list[str]) -> None:
        real(facts, names)
        if found:
            return
        base = f"/media/{public_id}/hls/"
        master = client.get(base + "master.m3u8")
        uris = [line for line in master.get_data(as_text=True).splitlines()
                if line and not line.startswith("#")]  # fmt: skip
        playlist = client.get(base + uris[0]) if uris else master
        segments = re.findall(r"^seg_[0-9]{5}\.m4s$", playlist.get_data(as_text=True), re.M)
        rung = uris[0].split("/")[0] if uris else ""
        answers = [master, playlist, client.get(f"{base}{rung}/init.mp4")]
        answers += [client.get(f"{base}{rung}/{segments[0]}")] if segments else []
        if "audio" in names:
            answers.append(client.get(base + "audio/index.m3u8"))
        found.update(
            seconds=time.perf_counter() - answered,
            statuses=[a.status_code for a in answers],
            segments=len(segments),
            playlist_cache_control=playlist.headers.get("Cache-Control", ""),
        )

    records.publish_renditions = announced  # type: ignore[assignment]
    return found


def measure_pipeline(source: Path, data: Path, preset: str) -> dict[str, Any]:
    """Both stages, timed as a whole and step by step (from the progress reports)."""
    app, client = _library(data, x264_preset=preset)
    public_id = _upload(client, source)
    answered = time.perf_counter()
    first_rung = _first_rung_probe(client, public_id, answered)
    marks: list[tuple[str, float]] = []
    real_report = Lease.report

    def timed(self: Lease, step: Any, progress: float, *, force: bool = False) -> None:
        if not marks or marks[-1][0] != step.value:
            marks.append((step.value, time.perf_counter()))
        real_report(self, step, progress, force=force)

    Lease.report = timed  # type: ignore[method-assign]
    with app.app_context():
        video_id = db.session.scalar(select(Video.id).where(Video.public_id == public_id))
        assert video_id is not None
        started = time.perf_counter()
        prepared = pipeline.run_stage(video_id, pipeline.prepare)
        rendered = pipeline.run_stage(video_id, pipeline.render)
        finished = time.perf_counter()
        original = current.storage(app).path(f"videos/{public_id}/original.mp4")
        probe = probe_video(original)
    ends = [t for _s, t in marks[1:]] + [finished]
    steps = {step: end - begin for (step, begin), end in zip(marks, ends, strict=True)}
    stored = [p for p in original.parent.rglob("*") if p.is_file()]
    return {
        "seconds": finished - started,
        "steps": steps,
        "outcomes": [prepared.value, rendered.value],
        "poster_at": pick_poster_time(original, probe.duration_seconds),
        "first_rung": first_rung,
        "ready_seconds": finished - answered,
        "stored_bytes": sum(p.stat().st_size for p in stored),
        "original_bytes": original.stat().st_size,
    }


def _run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(ffmpeg_command(args), check=True)
    return time.perf_counter() - started


def _rung_label(rung: Rendition) -> str:
    copied = " (copy)" if rung.copy else ""
    return f"{rung.name} {rung.width}x{rung.height}@{float(rung.fps):g}{copied}"


def measure_bare(source: Path, folder: Path, preset: str, poster_at: float) -> dict[str, Any]:
    """The pipeline's four ffmpeg commands, run back to back with nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = probe_video(source)
    duration = probe.duration_seconds or 0.0
    original = folder / "original.mp4"
    ladder, keyframes = plan_rungs(source, probe)
    has_audio = probe.audio_codec is not None
    for name in folders(ladder, has_audio):
        (folder / "hls" / name).mkdir(parents=True, exist_ok=True)
    opts = EncodeOptions(choose_encoder("auto"), has_audio, preset, keyframes)
    storyboard = plan_storyboard(duration, *probe.display_size)
    steps = {"faststart": _run(faststart_args(source, original))}
    steps["poster"] = _run(poster_args(original, poster_at, folder / "p.jpg", folder / "t.jpg"))
    steps["storyboard"] = _run(storyboard_args(original, folder / "s.jpg", storyboard))
    steps["renditions"] = _run(hls_args(original, folder / "hls", ladder, opts))
    return {
        "seconds": sum(steps.values()),
        "steps": steps,
        "duration": duration,
        "encoder": opts.encoder,
        "ladder": [_rung_label(r) for r in ladder],
    }


def _packet_digest(path: Path, limit: int = 300) -> str:
    digest = hashlib.sha256()
    with av.open(str(path)) as container:
        for index, packet in enumerate(container.demux(container.streams.video[0])):
            if index >= limit:
                break
            digest.update(bytes(packet))
    return digest.hexdigest()


def measure_upload(big: Path, data: Path) -> dict[str, Any]:
    """Upload ``big``; seconds from the answer until the row says it can be played."""
    app, client = _library(data)
    started = time.perf_counter()
    public_id = _upload(client, big)
    answered = time.perf_counter()
    with app.app_context():
        while True:
            status = db.session.scalar(select(Video.status).where(Video.public_id == public_id))
            db.session.commit()
            if status is not VideoStatus.VALIDATING or time.perf_counter() - answered > 300:
                break
            time.sleep(0.02)
    playable = time.perf_counter()
    stored = current.storage(app).path(f"videos/{public_id}/original.mp4")
    return {
        "upload_seconds": answered - started,
        "seconds_to_playable": playable - answered,
        "status": str(status),
        "moov_at_front": moov_at_front(stored),
        "frames_unchanged": _packet_digest(stored) == _packet_digest(big),
    }


def main() -> None:
    """Dispatch on the first argument; print the result as JSON."""
    kind, *rest = sys.argv[1:]
    if kind == "pipeline":
        result = measure_pipeline(Path(rest[0]), Path(rest[1]), rest[2])
    elif kind == "bare":
        result = measure_bare(Path(rest[0]), Path(rest[1]), rest[2], float(rest[3]))
    else:
        result = measure_upload(Path(rest[0]), Path(rest[1]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
