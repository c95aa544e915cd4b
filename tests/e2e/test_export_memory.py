"""The account export streams: a ~1 GiB library through the real gunicorn server costs
its processes a few MiB of peak memory, not the size of the archive.

Peak resident memory is each process's ``VmHWM`` (/proc/<pid>/status), read after a
small export has warmed everything up and again after the big one. The library is
sparse files hard-linked into storage, so it takes no disk and is written at once.
"""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.servers import ServerProcess, serving_alice
from tests.support.videos import add_raw_video
from vidstream import create_app
from vidstream.config import load_settings
from vidstream.extensions import db

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
FILES, FILE_SIZE = 4, 256 * MIB  # a 1 GiB library
# What the export may add to any server process's peak: a few chunks in flight and
# the archive's bookkeeping. Holding the archive (or one file) would be 256+ MiB.
ALLOWED_GROWTH = 48 * MIB


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _peaks(root: int) -> dict[int, int]:
    """Peak resident bytes (VmHWM) of gunicorn's master and workers (not the job worker
    ``serve`` starts beside them, whose pool processes come and go)."""
    peaks = {}
    for pid in _tree(root):
        try:
            if b"serve" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1]) * 1024
    return peaks


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerProcess, str, requests.Session]]:
    """``vidstream serve`` (one gunicorn worker) and alice's signed-in session."""
    with serving_alice(tmp_path) as served:
        yield served


def _add_videos(data_dir: str, paths: list[Path]) -> list[str]:
    app = create_app(load_settings(env={"VIDSTREAM_DATA_DIR": data_dir}))
    ids = [add_raw_video(app, "alice", path) for path in paths]
    with app.app_context():
        db.engine.dispose()
    return ids


def _sparse(path: Path, marker: bytes) -> Path:
    with open(path, "wb") as fh:
        fh.write(marker)
        fh.truncate(FILE_SIZE - len(marker))
        fh.seek(0, os.SEEK_END)
        fh.write(marker)
    return path


def _crc(path: Path) -> int:
    """The CRC-32 of the file (what the archive's entry must carry for the same bytes)."""
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * MIB):
            crc = zlib.crc32(chunk, crc)
    return crc


def test_exporting_a_large_library_keeps_the_servers_memory_flat(
    server: tuple[ServerProcess, str, requests.Session], tmp_path: Path, sample_mp4: Path
) -> None:
    proc, data_dir, session = server
    _add_videos(data_dir, [sample_mp4])
    warm = session.get(f"{proc.url}/account/export")
    assert (
        warm.status_code == 200 and zipfile.ZipFile(_save(warm.content, tmp_path)).testzip() is None
    )
    before = _peaks(proc.popen.pid)

    sources = [_sparse(tmp_path / f"big{n}.mp4", secrets.token_bytes(4096)) for n in range(FILES)]
    ids = _add_videos(data_dir, sources)
    archive = tmp_path / "export.zip"
    with session.get(f"{proc.url}/account/export", stream=True) as response:
        assert response.status_code == 200
        with open(archive, "wb") as out:
            for chunk in response.iter_content(MIB):
                out.write(chunk)
    after = _peaks(proc.popen.pid)
    assert after.keys() == before.keys()  # the same gunicorn processes, none restarted
    growth = max(after[pid] - before[pid] for pid in after)
    print(f"export of {FILES * FILE_SIZE // MIB} MiB: server peak RSS grew {growth / MIB:.1f} MiB")
    assert growth < ALLOWED_GROWTH, growth

    with zipfile.ZipFile(archive) as opened:
        for public_id, source in zip(ids, sources, strict=True):
            entry = opened.getinfo(f"videos/{public_id}/original.mp4")
            assert entry.compress_type == zipfile.ZIP_STORED
            assert (entry.file_size, entry.CRC) == (FILE_SIZE, _crc(source))
    assert archive.stat().st_size > FILES * FILE_SIZE


def _save(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "small.zip"
    path.write_bytes(data)
    return path
