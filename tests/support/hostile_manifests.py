"""Files that are not MP4s but make ffmpeg's format detection open other inputs.

A DASH manifest is recognised by its content, whatever its name, and its demuxer opens
every ``BaseURL`` it lists: URLs (SSRF) and, since the manifest itself is a local file,
other local files (another user's stored original) too.
"""

from __future__ import annotations

from pathlib import Path


def dash_manifest(*base_urls: str) -> str:
    """A static DASH manifest with one representation per URL."""
    representations = "".join(
        f'<Representation id="{i}" bandwidth="1000"><BaseURL>{url}</BaseURL></Representation>'
        for i, url in enumerate(base_urls)
    )
    return (
        '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT2S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">'
        f'<Period><AdaptationSet mimeType="video/mp4">{representations}</AdaptationSet>'
        "</Period></MPD>\n"
    )


def write_dash_manifest(path: Path, *base_urls: str) -> Path:
    """``path`` holding :func:`dash_manifest` of ``base_urls``."""
    path.write_text(dash_manifest(*base_urls))
    return path
