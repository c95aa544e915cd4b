"""Range requests against the real gunicorn server, made by curl.

The unit tests count bytes read through the WSGI file wrapper; this checks the path
production takes, where gunicorn ``sendfile()``s from the descriptor's offset: the
bytes, and the cost, read from the server processes' own I/O counters.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ServerProcess, serving_alice
from tests.support.videos import add_raw_video
from vidstream import create_app
from vidstream.config import load_settings
from vidstream.extensions import db

pytestmark = pytest.mark.e2e

GIB, MIB = 1024**3, 1024 * 1024
PATTERN = bytes(range(256)) * (MIB // 256)
# What one request reads besides its range (session, database, code): under 1 MiB seen.
RANGE_OVERHEAD = 4 * MIB


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    """``vidstream serve`` on SQLite with one user, and that user's session cookie."""
    with serving_alice(tmp_path_factory.mktemp("gunicorn-range")) as (proc, data_dir, session):
        yield proc, {"data_dir": data_dir, "cookie": session.cookies["vidstream_session"]}


def _register_sparse_video(data_dir: str, path: Path) -> str:
    """Add ``path`` as alice's video in the server's database and storage."""
    app = create_app(load_settings(env={"VIDSTREAM_DATA_DIR": data_dir}))
    public_id = add_raw_video(app, "alice", path)
    with app.app_context():
        db.engine.dispose()
    return public_id


def _curl(url: str, cookie: str, out: Path, *headers: str) -> tuple[int, str]:
    """GET with curl; return (status, response headers)."""
    argv = [
        "curl",
        "-sS",
        "-o",
        str(out),
        "-D",
        "-",
        "-w",
        "%{http_code}",
        "-b",
        f"vidstream_session={cookie}",
    ]
    for header in headers:
        argv += ["-H", header]
    result = subprocess.run([*argv, url], capture_output=True, text=True, check=True)
    head, status = result.stdout.rsplit("\n", 1)
    return int(status), head.lower()


def test_ranges_at_any_offset_are_exact(
    server: tuple[ServerProcess, dict[str, str]], tmp_path: Path
) -> None:
    proc, facts = server
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        fh.truncate(2 * GIB)
        fh.write(PATTERN)
        fh.seek(GIB)
        fh.write(PATTERN)
        fh.seek(2 * GIB - MIB)
        fh.write(PATTERN)
    vid = _register_sparse_video(facts["data_dir"], big)
    url = f"{proc.url}/media/{vid}/original.mp4"
    out = tmp_path / "out.bin"
    for start in (0, GIB, 2 * GIB - MIB):
        status, head = _curl(url, facts["cookie"], out, f"Range: bytes={start}-{start + MIB - 1}")
        assert status == 206
        assert f"content-range: bytes {start}-{start + MIB - 1}/{2 * GIB}" in head
        assert out.read_bytes() == PATTERN
    status, head = _curl(url, facts["cookie"], out, f"Range: bytes={GIB + 10}-{GIB + 19}")
    assert (status, out.read_bytes()) == (206, PATTERN[10:20])
    status, head = _curl(url, facts["cookie"], out, "Range: bytes=-100")
    assert (status, out.read_bytes()) == (206, PATTERN[-100:])
    status, _ = _curl(url, facts["cookie"], out, f"Range: bytes={2 * GIB}-")
    assert status == 416


def _process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (gunicorn's master and workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _chars_read(root: int) -> int:
    """Bytes the server's processes have read so far, ``rchar`` of /proc/<pid>/io.

    ``rchar`` counts what passes through read() and sendfile(), whether or not it came
    from the page cache; ``read_bytes`` counts only what the disk had to supply, which a
    sparse or cached file never needs, so it could not tell O(range) from O(offset).
    """
    total = 0
    for pid in _process_tree(root):
        try:
            fields = dict(
                line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().split("\n") if line
            )
        except OSError:
            continue
        total += int(fields["rchar"])
    return total


def test_a_range_costs_its_length_not_its_offset(
    server: tuple[ServerProcess, dict[str, str]], tmp_path: Path
) -> None:
    """A MiB at offset 0 and a MiB at the end of a 2 GiB file make the server read about
    a MiB each: nothing before the offset passes through the server."""
    proc, facts = server
    big = tmp_path / "sparse.bin"
    with open(big, "wb") as fh:
        fh.truncate(2 * GIB)
    vid = _register_sparse_video(facts["data_dir"], big)
    url = f"{proc.url}/media/{vid}/original.mp4"
    out = tmp_path / "out.bin"
    _curl(url, facts["cookie"], out, "Range: bytes=0-0")  # warm: index, session, imports
    for start in (0, 2 * GIB - MIB):
        before = _chars_read(proc.popen.pid)
        status, _ = _curl(url, facts["cookie"], out, f"Range: bytes={start}-{start + MIB - 1}")
        read = _chars_read(proc.popen.pid) - before
        assert status == 206 and out.stat().st_size == MIB
        # At least the range itself (the measure sees sendfile), and little besides.
        assert MIB <= read < MIB + RANGE_OVERHEAD, (start, read)


def test_whole_file_and_anonymous_access(
    server: tuple[ServerProcess, dict[str, str]], tmp_path: Path, sample_mp4: Path
) -> None:
    proc, facts = server
    vid = _register_sparse_video(facts["data_dir"], sample_mp4)
    url = f"{proc.url}/media/{vid}/original.mp4"
    out = tmp_path / "whole.mp4"
    status, head = _curl(url, facts["cookie"], out)
    assert status == 200 and out.read_bytes() == sample_mp4.read_bytes()
    assert "accept-ranges: bytes" in head and "etag: " in head
    anonymous = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url],
        capture_output=True,
        text=True,
        check=True,
    )
    assert anonymous.stdout == "401"
