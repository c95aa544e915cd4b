"""HLS renditions: one ffmpeg run encodes the whole ladder, then the master playlist.

One decode feeds every encoded rendition through a split filter. Keyframes are forced
at the same instants in each (every ``SEGMENT_SECONDS`` of output time, after the
frame rate has been made constant; or at the source's own keyframes when the top
rung is the source's video copied), so segment boundaries line up and a player can
switch renditions at any segment. The audio is encoded once, into an audio rendition
that every video rung names as its ``AUDIO`` group. Segments are fMP4 (CMAF);
playlists use relative URIs and are of type EVENT while they grow (ffmpeg replaces
each one whole after every segment), so they can be published segment by segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from vidstream.media.encoders import video_encoder_args
from vidstream.media.ffmpeg import ProgressCallback, input_args, run_ffmpeg
from vidstream.media.ladder import AUDIO_KBPS, SEGMENT_SECONDS, Rendition

MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
INIT = "init.mp4"
SEGMENT_PATTERN = "seg_%05d.m4s"
AAC_LC = "mp4a.40.2"
# The audio rendition's folder, and the GROUP-ID the video rungs name.
AUDIO = "audio"
AUDIO_GROUP = "audio"


@dataclass(frozen=True)
class EncodeOptions:
    """How to encode: the video encoder, its speed preset, whether there is audio, and
    the source's keyframe times when its video is copied as the top rung."""

    encoder: str
    has_audio: bool
    preset: str = "veryfast"
    keyframes: tuple[float, ...] = ()


def encoded(renditions: list[Rendition]) -> list[Rendition]:
    """The renditions an encoder makes (all but a copied top rung)."""
    return [r for r in renditions if not r.copy]


def folders(renditions: list[Rendition], has_audio: bool) -> list[str]:
    """Every folder the encode writes a media playlist into, the audio one last."""
    return [r.name for r in renditions] + ([AUDIO] if has_audio else [])


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


def _muxer_args(folder: Path) -> list[str]:
    return [
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "event",
        "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", INIT,
        "-hls_flags", "independent_segments+temp_file",
        "-hls_segment_filename", str(folder / SEGMENT_PATTERN), str(folder / PLAYLIST),
    ]  # fmt: skip


def _keyframe_args(opts: EncodeOptions) -> list[str]:
    if opts.keyframes:
        return ["-force_key_frames", ",".join(f"{t:.3f}" for t in opts.keyframes)]
    return ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})"]


def _video_args(rendition: Rendition, made: list[Rendition], opts: EncodeOptions) -> list[str]:
    if rendition.copy:
        return ["-map", "0:v:0", "-c:v", "copy"]
    # With the source's keyframes to follow, its gaps (up to 10 s) set the ceiling.
    gop = rendition.gop if not opts.keyframes else math.ceil(rendition.fps * 11)
    return [
        "-map", f"[v{made.index(rendition)}]",
        *video_encoder_args(opts.encoder, bitrate_kbps=rendition.video_kbps, gop=gop,
                            preset=opts.preset),
        *_keyframe_args(opts),
    ]  # fmt: skip


def hls_args(
    source: Path, out_dir: Path, renditions: list[Rendition], opts: EncodeOptions
) -> list[str]:
    """ffmpeg arguments that write every rendition into ``out_dir/<name>/``."""
    made = encoded(renditions)
    args = [*input_args(source)]
    if made:
        args += ["-filter_complex", filter_graph(made)]
    for rendition in renditions:
        args += [*_video_args(rendition, made, opts), *_muxer_args(out_dir / rendition.name)]
    if opts.has_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k",
                 "-ac", "2", "-ar", "48000", *_muxer_args(out_dir / AUDIO)]  # fmt: skip
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
    for name in folders(renditions, opts.has_audio):
        (out_dir / name).mkdir(parents=True, exist_ok=True)
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


def _audio_bandwidth(out_dir: Path, final: bool) -> tuple[int, int]:
    if not final:
        return AUDIO_KBPS * 1000, AUDIO_KBPS * 1000
    folder = out_dir / AUDIO
    return bandwidth(folder, read_media_playlist(folder / PLAYLIST))


def master_playlist(
    out_dir: Path, renditions: list[Rendition], has_audio: bool, *, final: bool = True
) -> str:
    """The master playlist for renditions encoded (``final``) or being encoded into ``out_dir``.

    While the ladder grows, each variant's bandwidth is its ceiling; once it is whole,
    what the segments measure. A variant's bandwidth includes the shared audio's.
    """
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio_peak = audio_average = 0
    if has_audio:
        audio_peak, audio_average = _audio_bandwidth(out_dir, final)
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="Audio",DEFAULT=YES,'
            f'AUTOSELECT=YES,CHANNELS="2",URI="{AUDIO}/{PLAYLIST}"'
        )
    for rendition in renditions:
        folder = out_dir / rendition.name
        if final:
            peak, average = bandwidth(folder, read_media_playlist(folder / PLAYLIST))
        else:
            peak = average = rendition.video_kbps * 1000
        codecs = avc_codec_string(folder / INIT) + (f",{AAC_LC}" if has_audio else "")
        group = f',AUDIO="{AUDIO_GROUP}"' if has_audio else ""
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak + audio_peak},"
            f"AVERAGE-BANDWIDTH={average + audio_average},"
            f"RESOLUTION={rendition.width}x{rendition.height},"
            f'FRAME-RATE={float(rendition.fps):.3f},CODECS="{codecs}"{group}'
        )
        lines.append(f"{rendition.name}/{PLAYLIST}")
    return "\n".join(lines) + "\n"


def as_vod(playlist: str) -> str:
    """A finished EVENT playlist as a VOD one (the same segments; it will not change)."""
    return playlist.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD", 1)


# The subtitle renditions' GROUP-ID, and the folder their media playlists are served in.
SUBTITLE_GROUP = "subs"
SUBTITLES = "subs"


def _quoted(text: str) -> str:
    """``text`` fit for an HLS quoted string (which holds no double quote or line break)."""
    return text.replace('"', "'").replace("\r", " ").replace("\n", " ")


def with_subtitles(master: str, tracks: list[tuple[str, str]]) -> str:
    """The master playlist ``master`` with a subtitle rendition per (language, name).

    Each is an ``EXT-X-MEDIA`` of ``TYPE=SUBTITLES`` in one group, which every variant
    names; its URI is the media playlist :func:`subtitle_playlist` makes. Names are
    unique within the group, as players require.
    """
    media, seen = [], set()
    for language, name in tracks:
        shown = _quoted(name) or language
        if shown in seen:
            shown = f"{shown} ({language})"
        seen.add(shown)
        media.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLE_GROUP}",LANGUAGE="{language}",'
            f'NAME="{shown}",DEFAULT=NO,AUTOSELECT=YES,URI="{SUBTITLES}/{language}.m3u8"'
        )
    lines, placed = [], False
    for line in master.splitlines():
        if not placed and line.startswith(("#EXT-X-MEDIA:", "#EXT-X-STREAM-INF:")):
            lines += media
            placed = True
        if line.startswith("#EXT-X-STREAM-INF:"):
            line += f',SUBTITLES="{SUBTITLE_GROUP}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


def subtitle_playlist(duration: float | None, uri: str) -> str:
    """A subtitle media playlist of one segment: the whole WebVTT file at ``uri``.

    The ladder's timeline starts at zero, as the caption's cue times do, so the file
    needs no ``X-TIMESTAMP-MAP`` to line up.
    """
    seconds = max(duration or 0.0, 0.001)
    return "\n".join([
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(seconds)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXTINF:{seconds:.3f},",
        uri,
        "#EXT-X-ENDLIST",
    ]) + "\n"  # fmt: skip
