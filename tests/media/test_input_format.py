"""Every step opens user media as an MP4 from a local file only: a file whose content is
a DASH manifest makes no step read the other local file it names.

(ffmpeg's default protocol list already refuses the manifest's URLs over http; another
local file it allows, and that is someone else's video. The URL case is in
tests/services/upload/tus/test_stale_writer.py.)
"""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.support.hostile_manifests import write_dash_manifest
from tests.support.media import make_mp4
from vidstream.media.faststart import remux_faststart
from vidstream.media.ffmpeg import FFmpegError
from vidstream.media.hls import EncodeOptions, encode_renditions
from vidstream.media.ladder import plan_ladder
from vidstream.media.poster import write_poster
from vidstream.media.storyboard import plan_storyboard, write_storyboard


def test_a_manifest_in_disguise_reads_no_other_file(tmp_path: Path) -> None:
    secret = make_mp4(tmp_path / "someone-elses.mp4", size="64x48", audio=False)
    out = tmp_path / "out"
    out.mkdir()
    source = write_dash_manifest(tmp_path / "source.mp4", str(secret))
    with pytest.raises(FFmpegError):
        plan = plan_storyboard(2, 64, 48)
        write_storyboard(source, out / "sb.jpg", out / "sb.vtt", plan, duration=2)
    with pytest.raises((av.FFmpegError, FFmpegError)):
        write_poster(source, out / "p.jpg", out / "t.jpg", duration=2, timeout=60)
    with pytest.raises(FFmpegError):
        ladder = plan_ladder(64, 48, 25)
        encode_renditions(source, out / "hls", ladder, EncodeOptions("libx264", False))
    with pytest.raises(FFmpegError):
        remux_faststart(source, out / "faststart.mp4")
    assert not any(path.is_file() for path in out.rglob("*"))
