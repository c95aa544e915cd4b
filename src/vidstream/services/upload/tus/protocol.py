"""The wire format of tus 1.0.0: header names, values and how to parse them.

Pure functions, no Flask: each parser raises :class:`AppError` with the status the
protocol prescribes, so the views stay thin and the rules are easy to test.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vidstream.web.errors import AppError

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "expiration", "checksum")
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha512", "md5")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# Not an official status phrase, but the one the checksum extension defines.
CHECKSUM_MISMATCH = 460


def capability_headers(max_size: int) -> dict[str, str]:
    """What an OPTIONS request learns about this server."""
    return {
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": ",".join(EXTENSIONS),
        "Tus-Max-Size": str(max_size),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
    }


def check_version(value: str | None) -> None:
    """412 unless the client speaks the one version this server does."""
    if value != TUS_VERSION:
        error = AppError(
            412,
            f"This server speaks tus {TUS_VERSION}; send 'Tus-Resumable: {TUS_VERSION}'.",
            code="unsupported_version",
        )
        error.headers["Tus-Version"] = TUS_VERSION
        raise error


def parse_size(name: str, value: str | None) -> int:
    """A non-negative decimal header value such as Upload-Length or Upload-Offset (400 if not)."""
    if value is None or not value.strip().isdigit() or not value.strip().isascii():
        raise AppError(400, f"The {name} header must be a non-negative whole number.")
    return int(value.strip())


def parse_metadata(value: str | None) -> dict[str, str]:
    """Decode ``Upload-Metadata``: comma-separated ``key base64value`` pairs (400 if malformed)."""
    result: dict[str, str] = {}
    for pair in (value or "").split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key and not encoded:
            continue
        if not key or key in result or not key.isascii():
            raise AppError(400, "The Upload-Metadata header is malformed.")
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise AppError(400, f"Upload-Metadata value of {key!r} is not base64.") from None
        result[key] = raw.decode("utf-8", "replace")
    return result


def encode_metadata(items: Mapping[str, str | None]) -> str:
    """Encode metadata for a HEAD response, skipping absent values."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode('ascii')}"
        for key, value in items.items()
        if value is not None
    )


@dataclass(frozen=True)
class Checksum:
    """An ``Upload-Checksum`` header: the algorithm and the digest the chunk must have."""

    algorithm: str
    digest: bytes

    def hasher(self) -> Any:
        """A fresh hashlib object for the algorithm."""
        return hashlib.new(self.algorithm)

    def matches(self, hasher: Any) -> bool:
        """Whether the bytes fed to ``hasher`` have the expected digest."""
        return hasher is not None and bool(hasher.digest() == self.digest)


def parse_checksum(value: str | None) -> Checksum | None:
    """Parse ``Upload-Checksum`` (None when absent; 400 if malformed or unsupported)."""
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise AppError(
            400,
            f"Checksum algorithm {algorithm!r} is not supported; "
            f"use one of {', '.join(CHECKSUM_ALGORITHMS)}.",
            code="unsupported_checksum",
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AppError(400, "The Upload-Checksum digest is not base64.") from None
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise AppError(400, f"The Upload-Checksum digest has the wrong length for {algorithm}.")
    return Checksum(algorithm, digest)


def check_content_type(value: str | None) -> None:
    """415 unless a PATCH body is declared as ``application/offset+octet-stream``."""
    if (value or "").split(";", 1)[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise AppError(415, f"Send upload bytes with 'Content-Type: {OFFSET_CONTENT_TYPE}'.")
