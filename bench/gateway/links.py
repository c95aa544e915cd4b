"""Signed media links, asked for the way a player gets them from the stream service.

A GET for the original is answered with a 302 to a signed link; a rendition playlist
lists a signed link for every segment. The links are read from those answers, so
what the benchmark sends to nginx is exactly what the service hands to a player.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bench.common.fetch import request
from bench.common.procs import BenchError
from bench.gateway.nginx import SIGNED_PREFIX
from vidstream.models.video import original_key


def _path(link: str) -> str:
    """The path and query of a link, whether or not it names a scheme and host."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def link_to_original(service: str, cookie: str, public_id: str) -> dict[str, str]:
    """The storage key of the original and the signed link the service redirects to."""
    reply = request(f"{service}/media/{public_id}/original.mp4", {"Cookie": cookie})
    location = reply.headers.get("location", "")
    if reply.status != 302 or not location:
        raise BenchError(f"the stream service answered {reply.status}, not a signed link")
    return {original_key(public_id): _path(location)}


def links_to_segments(
    service: str, cookie: str, public_id: str, segment_keys: tuple[str, ...]
) -> dict[str, str]:
    """Every segment's storage key and the signed link its rendition playlist lists."""
    links = {}
    for rendition in sorted({key.split("/")[3] for key in segment_keys}):
        url = f"{service}/media/{public_id}/hls/{rendition}/index.m3u8"
        reply = request(url, {"Cookie": cookie})
        if reply.status != 200:
            raise BenchError(f"the {rendition} playlist answered {reply.status}")
        for line in reply.body.decode().splitlines():
            if line and not line.startswith("#"):
                path = _path(line)
                links[path.split("?", 1)[0].removeprefix(SIGNED_PREFIX)] = path
    missing = set(segment_keys) - set(links)
    if missing:
        raise BenchError(f"no signed link for {len(missing)} segment(s)")
    return {key: links[key] for key in segment_keys}
