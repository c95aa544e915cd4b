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
    disk_full_guard,
)
from vidstream.storage.local import LocalStorage
from vidstream.storage.s3_location import parse_s3_url

__all__ = [
    "LocalStorage",
    "ObjectNotFound",
    "Storage",
    "StorageError",
    "StorageFullError",
    "check_key",
    "check_storage_url",
    "disk_full_guard",
    "storage_from_url",
]

SCHEMES = "a file:// URL or an s3://bucket URL"


def check_storage_url(url: str) -> str:
    """Return ``url`` if it names a backend vidstream has; raise ``ValueError`` saying why not."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if not (parsed.netloc + parsed.path).strip():
            raise ValueError("must name a folder: file:///path/to/media")
    elif parsed.scheme == "s3":
        parse_s3_url(url)
    else:
        raise ValueError(f"must be {SCHEMES}")
    return url


def storage_from_url(url: str) -> Storage:
    """Build the backend named by ``url`` (``file:///path`` or ``s3://bucket?...``)."""
    parsed = urlparse(check_storage_url(url))
    if parsed.scheme == "s3":
        # Imported here: boto3 takes a while to load and local storage never needs it.
        from vidstream.storage.s3 import S3Storage

        return S3Storage(parse_s3_url(url))
    return LocalStorage(Path(parsed.netloc + parsed.path))
