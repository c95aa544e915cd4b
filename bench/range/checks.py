"""Before any load: every target must answer correctly, and vidstream only to its owner."""

from __future__ import annotations

from dataclasses import dataclass

from bench.common.fetch import request
from bench.common.procs import BenchError, Target


@dataclass(frozen=True)
class Expected:
    """The file every target serves, and the range the Range load asks for."""

    size: int
    sha256: str
    range_header: str
    range_bytes: bytes


def _headers(target: Target, range_header: str | None = None) -> dict[str, str]:
    headers = {"Cookie": target.cookie} if target.cookie else {}
    if range_header:
        headers["Range"] = range_header
    return headers


def check_serves_the_file(target: Target, expected: Expected) -> None:
    """The whole file with 200 and the range with 206, byte for byte."""
    part = request(target.url, _headers(target, expected.range_header))
    if part.status != 206 or part.body != expected.range_bytes:
        raise BenchError(
            f"{target.label} answered the range with {part.status} and "
            f"{len(part.body)} bytes that {'do not ' if part.body != expected.range_bytes else ''}"
            "match the file"
        )
    whole = request(target.url, _headers(target), keep_body=False)
    if whole.status != 200 or whole.length != expected.size or whole.sha256 != expected.sha256:
        raise BenchError(
            f"{target.label} answered the whole-file GET with {whole.status}, "
            f"{whole.length} of {expected.size} bytes, sha256 {whole.sha256[:12]}"
        )


def check_refuses_strangers(target: Target, expected: Expected) -> None:
    """Without the session cookie, vidstream must not send a byte of the video."""
    reply = request(target.url, {"Range": expected.range_header})
    if reply.status in (200, 206):
        raise BenchError(f"{target.label} served the video without a session ({reply.status})")


def check_share_needs_its_grant(target: Target, expected: Expected) -> None:
    """A share link's media URL with its grant altered must not send a byte either."""
    head, _, rest = target.url.partition("/m/")
    _grant, _, tail = rest.partition("/")
    reply = request(f"{head}/m/forged/{tail}", {"Range": expected.range_header})
    if reply.status in (200, 206):
        raise BenchError(f"{target.label} served the video with a forged grant ({reply.status})")
