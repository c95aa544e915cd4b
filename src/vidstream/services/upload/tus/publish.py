"""A finished tus upload's bytes, copied into a file no other descriptor can write.

A request whose Redis lock expired while its client stalled still holds descriptors of
the partial file (the lock's fence stops it from using them, but it is the last link
of the chain that keeps a stored original safe). Renaming the partial away would not
close those descriptors, and hard-linking it into storage would make the stored
original that very inode. So the finished bytes are copied, inside the kernel
(``copy_file_range``; a reflink where the filesystem has them), into a fresh file only
this request has opened; that copy is validated and stored, and the partial is deleted.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vidstream.services.upload.tus.partial import Partial
from vidstream.storage import disk_full_guard

COPY_BYTES = 64 * 1024 * 1024


@contextmanager
def sealed_copy(partial: Partial) -> Iterator[Path]:
    """A private copy of the partial file's bytes, next to it; removed afterwards."""
    # A name no upload id can take (ids have no dot), so the orphan sweep removes it
    # if a crash leaves it behind.
    target = partial.path.with_name(f".sealed-{partial.path.name}-{secrets.token_hex(6)}")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            _copy_all(partial.fd, fd, partial.size())
        finally:
            os.close(fd)
        yield target
    finally:
        target.unlink(missing_ok=True)


def _copy_all(source: int, target: int, size: int) -> None:
    """Copy ``size`` bytes from the start of ``source`` into ``target``."""
    done = 0
    with disk_full_guard("staging"):
        while done < size:
            try:
                moved = os.copy_file_range(source, target, size - done, done, done)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                    raise
                _copy_slowly(source, target, done, size)
                return
            if moved == 0:
                raise OSError(errno.EIO, "the partial file shrank while it was copied")
            done += moved


def _copy_slowly(source: int, target: int, start: int, size: int) -> None:
    """The same through user space, for filesystems without ``copy_file_range``."""
    with open(source, "rb", closefd=False) as src, open(target, "r+b", closefd=False) as out:
        src.seek(start)
        out.seek(start)
        shutil.copyfileobj(src, out, COPY_BYTES)
        out.truncate(size)
