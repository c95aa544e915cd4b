"""Before any load: every server sends the right bytes, and only to those it should."""

from __future__ import annotations

from bench.common.fetch import request
from bench.common.procs import BenchError
from bench.gateway.nginx import ACCEL_PREFIX, DIRECT_PREFIX
from bench.gateway.setup import Running
from vidstream.models.video import original_key


def app_path(key: str) -> str:
    """The stream service's path for a storage key: ``videos/<id>/x`` is ``/media/<id>/x``."""
    return "/media/" + key.removeprefix("videos/")


def _expect(label: str, url: str, headers: dict[str, str], status: int, body: bytes) -> None:
    reply = request(url, headers)
    if reply.status != status or reply.body != body:
        raise BenchError(
            f"{label}: {reply.status} with {len(reply.body)} bytes, expected {status} "
            f"with {len(body)} matching bytes"
        )


def check_bytes(run: Running, key: str, first: int, length: int) -> None:
    """Every way of asking sends ``length`` bytes of ``key`` from ``first``."""
    with open(run.media_root / key, "rb") as fh:
        fh.seek(first)
        wanted = fh.read(length)
    whole = first == 0 and length == (run.media_root / key).stat().st_size
    headers = {} if whole else {"Range": f"bytes={first}-{first + length - 1}"}
    status = 200 if whole else 206
    with_cookie = headers | {"Cookie": run.cookie}
    _expect("gateway", run.gateway + app_path(key), with_cookie, status, wanted)
    _expect("direct nginx", run.direct + DIRECT_PREFIX + key, headers, status, wanted)
    _expect("signed link", run.gateway + run.links[key], headers, status, wanted)
    _expect("app's own bytes", run.app + app_path(key), with_cookie, status, wanted)


def check_refusals(run: Running) -> None:
    """No session, an altered signature, or the internal location: never a byte."""
    key = original_key(run.library.original_id)
    anonymous = request(run.gateway + app_path(key), {"Accept": "application/json"})
    if anonymous.status != 401:
        raise BenchError(f"the gateway answered a request without a session: {anonymous.status}")
    inside = request(f"{run.gateway}{ACCEL_PREFIX}{key}", {"Cookie": run.cookie})
    if inside.status != 404:
        raise BenchError(f"the gateway's internal location answered from outside: {inside.status}")
    link, signature = run.links[key].rsplit("&s=", 1)
    altered = f"{link}&s={signature[::-1]}"
    if (answer := request(run.gateway + altered)).status != 403:
        raise BenchError(f"a link with an altered signature got {answer.status}")


def check_everything(run: Running, offset: int, length: int) -> None:
    """The range and a segment, byte for byte, from every server; then the refusals."""
    check_bytes(run, original_key(run.library.original_id), offset, length)
    segment = run.library.segment_keys[0]
    check_bytes(run, segment, 0, (run.media_root / segment).stat().st_size)
    check_refusals(run)
