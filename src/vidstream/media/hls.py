"""HLS renditions: one ffmpeg run encodes the whole ladder, then the master playlist.

One decode feeds every rendition through a split filter. Keyframes are forced at the
same instants in each (every ``SEGMENT_SECONDS`` of output time, after the frame rate
has been made constant), so segment boundaries line up and a player can switch
renditions at any segment. Segments are fMP4 (CMAF); playlists use relative URIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vidstream.media.encoders import video_encoder_args
from vidstream.media.ffmpeg import ProgressCallback, input_args, run_ffmpeg
from vidstream.media.ladder import SEGMENT_SECONDS, Rendition

MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
INIT = "init.mp4"
SEGMENT_PATTERN = "seg_%05d.m4s"
AAC_LC = "mp4a.40.2"


@dataclass(frozen=True)
class EncodeOptions:
    """How to encode: the video encoder, its speed preset, and whether there is audio."""

    encoder: str
    has_audio: bool
    preset: str = "veryfast"


def filter_graph(renditions: list[Rendition]) -> str:
    """Split the decoded video once per rendition; each branch gets its rate and size."""
    branches = [
        f"[s{i}]fps={r.fps.numerator}/{r.fps.denominator},scale={r.width}:{r.height},setsar=1[v{i}]"
        for i, r in enumerate(renditions)
    ]
    if len(renditions) == 1:
        return "[0:v:0]" + branches[0].removeprefix("[s0]")
    labels = "".join(f"[s{i}]" for i in range(len(renditions)))
    return f"[0:v:0]split={len(renditions)}{labels};" + ";".join(branches)


def _output_args(index: int, rendition: Rendition, out_dir: Path, opts: EncodeOptions) -> list[str]:
    folder = out_dir / rendition.name
    args = ["-map", f"[v{index}]"]
    if opts.has_audio:
        args += ["-map", "0:a:0"]
    args += video_encoder_args(
        opts.encoder, bitrate_kbps=rendition.video_kbps, gop=rendition.gop, preset=opts.preset
    )
    args += ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})"]
    if opts.has_audio:
        args += ["-c:a", "aac", "-b:a", f"{rendition.audio_kbps}k", "-ac", "2", "-ar", "48000"]
    return [
        *args,
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", INIT,
        "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(folder / SEGMENT_PATTERN), str(folder / PLAYLIST),
    ]  # fmt: skip


def hls_args(
    source: Path, out_dir: Path, renditions: list[Rendition], opts: EncodeOptions
) -> list[str]:
    """ffmpeg arguments that write every rendition into ``out_dir/<name>/``."""
    args = [*input_args(source), "-filter_complex", filter_graph(renditions)]
    for index, rendition in enumerate(renditions):
        args += _output_args(index, rendition, out_dir, opts)
    return args


def encode_renditions(
    source: Path,
    out_dir: Path,
    renditions: list[Rendition],
    opts: EncodeOptions,
    *,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> None:
    """Encode the ladder into ``out_dir`` (media playlists, init sections, segments)."""
    for rendition in renditions:
        (out_dir / rendition.name).mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        hls_args(source, out_dir, renditions, opts),
        duration=duration,
        on_progress=on_progress,
        timeout=timeout,
    )


@dataclass(frozen=True)
class PlaylistStats:
    """What a media playlist says: each segment's file and duration."""

    segments: list[tuple[str, float]]

    @property
    def duration(self) -> float:
        """Total playing time in seconds."""
        return sum(seconds for _name, seconds in self.segments)


def read_media_playlist(path: Path) -> PlaylistStats:
    """The segments listed by a media playlist, in order."""
    segments: list[tuple[str, float]] = []
    pending: float | None = None
    for line in path.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            pending = float(line.removeprefix("#EXTINF:").split(",", 1)[0])
        elif line and not line.startswith("#") and pending is not None:
            segments.append((line.strip(), pending))
            pending = None
    return PlaylistStats(segments)


def bandwidth(folder: Path, stats: PlaylistStats) -> tuple[int, int]:
    """(peak, average) bits per second over the segments, as HLS BANDWIDTH wants them."""
    sizes = [(folder / name).stat().st_size * 8 for name, _seconds in stats.segments]
    seconds = [max(s, 0.001) for _name, s in stats.segments]
    # A short final segment would exaggerate the peak; it counts only when it is alone.
    counted = [i for i, s in enumerate(seconds) if s >= 1 or len(seconds) == 1] or [0]
    peak = max(sizes[i] / seconds[i] for i in counted)
    average = sum(sizes) / sum(seconds)
    return round(peak), round(average)


def avc_codec_string(init_section: Path) -> str:
    """RFC 6381 codec string (``avc1.PPCCLL``) from the ``avcC`` box of an init section."""
    data = init_section.read_bytes()
    at = data.find(b"avcC")
    if at < 0 or len(data) < at + 8:
        raise ValueError(f"{init_section.name} has no avcC box")
    return "avc1." + data[at + 5 : at + 8].hex()


def master_playlist(out_dir: Path, renditions: list[Rendition], has_audio: bool) -> str:
    """The master playlist text for renditions already encoded into ``out_dir``."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rendition in renditions:
        folder = out_dir / rendition.name
        peak, average = bandwidth(folder, read_media_playlist(folder / PLAYLIST))
        codecs = avc_codec_string(folder / INIT) + (f",{AAC_LC}" if has_audio else "")
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f"RESOLUTION={rendition.width}x{rendition.height},"
            f'FRAME-RATE={float(rendition.fps):.3f},CODECS="{codecs}"'
        )
        lines.append(f"{rendition.name}/{PLAYLIST}")
    return "\n".join(lines) + "\n"
