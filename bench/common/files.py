"""The files the benchmarks serve and upload: random bytes, and their digests."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

MIB = 1024 * 1024


def write_random_file(path: Path, size_mib: int, seed: int | None = None) -> str:
    """Write ``size_mib`` MiB of random bytes (seeded: the same file every run); its SHA-256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for _ in range(size_mib):
            block = rng.randbytes(MIB)
            digest.update(block)
            fh.write(block)
    return digest.hexdigest()


def read_bytes(path: Path, first: int, length: int) -> bytes:
    """``length`` bytes of ``path`` from ``first``."""
    with open(path, "rb") as fh:
        fh.seek(first)
        return fh.read(length)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(8 * MIB):
            digest.update(block)
    return digest.hexdigest()
