"""Check the H.264 encoders on this machine, with nothing but Python and ffmpeg.

``python3 bench/encoder_check.py [--encoder h264_nvenc] [--seconds 20]``

Meant for a machine without the project's virtual environment (a GPU host, say): it
loads ``vidstream.media`` straight from ``src/`` without importing the app, lists the
encoders this ffmpeg was built with, runs the same test encode ``auto`` runs, shows
what ``auto`` picks, then encodes a 1080p test source into the whole HLS ladder with
the chosen encoder and with libx264, checks that every rendition decodes without
error and lasts as long as the source, and prints the realtime factors as JSON.
ffmpeg is the one on PATH (or set ``VIDSTREAM_FFMPEG_DIR`` to a folder holding one).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"


def _load_media() -> types.ModuleType:
    """Import ``vidstream.media`` without ``vidstream/__init__.py`` (which needs Flask)."""
    package = types.ModuleType("vidstream")
    package.__path__ = [str(SRC / "vidstream")]
    sys.modules.setdefault("vidstream", package)
    for name in ("encoders", "hls", "ladder", "ffmpeg"):
        importlib.import_module(f"vidstream.media.{name}")
    return sys.modules["vidstream.media"]


def _ladder_run(media: Any, source: Path, out: Path, encoder: str, seconds: int) -> dict[str, Any]:
    hls, ladder = media.hls, media.ladder
    plan = ladder.plan_ladder(1920, 1080, 30)
    started = time.perf_counter()
    hls.encode_renditions(source, out, plan, hls.EncodeOptions(encoder, True, "veryfast"))
    elapsed = time.perf_counter() - started
    (out / hls.MASTER).write_text(hls.master_playlist(out, plan, has_audio=True))
    renditions = {}
    for rendition in plan:
        playlist = out / rendition.name / hls.PLAYLIST
        check = subprocess.run(
            media.ffmpeg.ffmpeg_command(["-xerror", "-i", str(playlist), "-f", "null", "-"]),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        renditions[rendition.name] = {
            "decodes": check.returncode == 0 and not check.stderr.strip(),
            "seconds": round(hls.read_media_playlist(playlist).duration, 3),
        }
    return {
        "encoder": encoder,
        "seconds": round(elapsed, 2),
        "realtime_factor": round(seconds / elapsed, 2),
        "renditions": renditions,
        "master": (out / hls.MASTER).read_text(),
    }


def main() -> int:
    """Print the findings as JSON; exit 1 if the chosen encoder's ladder is not sound."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoder", default="auto", help="what VIDSTREAM_VIDEO_ENCODER says")
    parser.add_argument("--seconds", type=int, default=20, help="length of the test source")
    args = parser.parse_args()
    if os.environ.get("VIDSTREAM_FFMPEG_DIR"):
        os.environ["PATH"] = os.environ["VIDSTREAM_FFMPEG_DIR"] + os.pathsep + os.environ["PATH"]
    media = _load_media()
    encoders = media.encoders
    listed = encoders.listed_encoders()
    report: dict[str, Any] = {
        "ffmpeg": media.ffmpeg.ffmpeg_binary(),
        "h264_encoders": sorted(name for name in listed if "264" in name),
        "test_encodes": {
            name: encoders.encoder_works(name) for name in encoders.HARDWARE if name in listed
        },
    }
    chosen = encoders.choose_encoder(args.encoder)
    report["chosen"] = chosen
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.mp4"
        subprocess.run(media.ffmpeg.ffmpeg_command([
            "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={args.seconds}",
            "-f", "lavfi", "-i", f"sine=duration={args.seconds}", "-vf", "noise=alls=12:allf=t",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-c:a", "aac", str(source),
        ]), check=True)  # fmt: skip
        runs = [_ladder_run(media, source, Path(tmp) / chosen, chosen, args.seconds)]
        if chosen != encoders.SOFTWARE:
            software = Path(tmp) / encoders.SOFTWARE
            runs.append(_ladder_run(media, source, software, encoders.SOFTWARE, args.seconds))
    report["ladders"] = runs
    print(json.dumps(report, indent=2))
    sound = all(
        r["decodes"] and abs(r["seconds"] - args.seconds) <= 0.5
        for r in runs[0]["renditions"].values()
    )
    return 0 if sound else 1


if __name__ == "__main__":
    sys.exit(main())
