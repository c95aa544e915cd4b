"""Storage backends behind one interface, chosen by ``VIDSTREAM_STORAGE_URL``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from vidstream.storage.base import (
    ObjectNotFound,
    Storage,
    StorageError,
    StorageFullError,
    check_key,
)
from vidstream.storage.local import LocalStorage

__all__ = [
    "LocalStorage",
    "ObjectNotFound",
    "Storage",
    "StorageError",
    "StorageFullError",
    "check_key",
    "storage_from_url",
]


def storage_from_url(url: str) -> Storage:
    """Build the backend named by ``url`` (``file:///path``)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(parsed.netloc + parsed.path))
    raise ValueError(f"unsupported storage URL {url!r}")
