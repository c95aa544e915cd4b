"""Local-disk storage: atomic temp + fsync + rename, keys mapped under one root."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from vidstream.storage.base import (
    ObjectNotFound,
    StorageError,
    StorageFullError,
    check_key,
    is_disk_full,
)

# Owner read/write, group read: a gateway that runs as another user but in the files'
# group (compose runs the services with the nginx image's group) can send them; no one
# else on the host can read them.
MEDIA_FILE_MODE = 0o640


class LocalStorage:
    """Files under ``root``; a key is a relative path that cannot escape it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._prefix = f"{self.root}{os.sep}"

    def path(self, key: str) -> Path:
        """Filesystem path of ``key``; used by the byte-serving fast path."""
        return self.root / check_key(key)

    def put_file(self, key: str, source: Path) -> int:
        """Copy (or hard-link) ``source`` into place, fsync it and rename atomically."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            _fill(fd, tmp, source)
            os.chmod(tmp, MEDIA_FILE_MODE)
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if is_disk_full(exc):
                raise StorageFullError("the media disk is full") from exc
            raise StorageError(f"could not store {key}: {exc.strerror}") from exc
        return target.stat().st_size

    def open(self, key: str) -> BinaryIO:
        """Open the file for reading (a string path: the byte path opens one per request)."""
        try:
            return open(self._prefix + check_key(key), "rb", buffering=0)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def size(self, key: str) -> int:
        """Size of the stored file."""
        try:
            return os.stat(self._prefix + check_key(key)).st_size
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        """Whether the file exists."""
        return self.path(key).is_file()

    def delete_prefix(self, prefix: str) -> int:
        """Remove every file under ``prefix`` (a directory prefix ending in ``/``)."""
        keys = self.list_keys(prefix)
        for key in keys:
            self.path(key).unlink(missing_ok=True)
        directory = self.root / check_key(prefix.rstrip("/"))
        if directory.is_dir() and directory != self.root:
            shutil.rmtree(directory, ignore_errors=True)
        return len(keys)

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every stored key under ``prefix``; temporary files are not objects."""
        # Only the folder the prefix ends in is walked: "videos/ab" matches "videos/abc/...".
        if prefix:
            check_key(prefix.rstrip("/"))
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return []
        found = [
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        ]
        return sorted(k for k in found if k.startswith(prefix))

    def modified_at(self, key: str) -> float:
        """The file's modification time."""
        try:
            return self.path(key).stat().st_mtime
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def local_path(self, key: str) -> Path | None:
        """The file itself: ffmpeg reads it in place."""
        return self.path(key)

    def download_url(self, key: str, *, content_type: str, expires: int) -> str | None:
        """None: the application (or the gateway) sends local files itself."""
        return None

    def download_origin(self) -> str | None:
        """None: there are no download links."""
        return None

    def check_ready(self) -> None:
        """Raise ``OSError`` unless the media folder is there."""
        if not self.root.is_dir():
            raise OSError(f"{self.root} is not a directory")


def _fill(fd: int, tmp: Path, source: Path) -> None:
    """Make ``tmp`` hold the bytes of ``source``: a hard link when on the same disk, else a copy."""
    os.close(fd)
    tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        with open(tmp, "xb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
    with open(tmp, "rb+") as synced:
        os.fsync(synced.fileno())


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable by syncing the directory entry."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
