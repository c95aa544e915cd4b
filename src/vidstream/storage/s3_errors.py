"""Turning boto3's exceptions into the storage contract's three errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

from vidstream.storage.base import ObjectNotFound, StorageError, StorageFullError

NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
# What S3-compatible stores answer when there is no room: a bucket quota (Ceph RGW,
# MinIO) or a full drive (MinIO), or HTTP 507 from anything else.
FULL = frozenset({"QuotaExceeded", "XMinioStorageFull", "XMinioAdminBucketQuotaExceeded"})
BOTO_ERRORS = (BotoCoreError, ClientError, S3UploadFailedError)


def _client_error(error: BaseException | None) -> ClientError | None:
    """The ClientError behind ``error`` (boto3's upload wraps it in S3UploadFailedError)."""
    while error is not None:
        if isinstance(error, ClientError):
            return error
        error = error.__cause__ or error.__context__
    return None


def storage_error(error: BaseException, key: str, action: str) -> StorageError:
    """The contract's error for a failed ``action`` on ``key``."""
    cause = _client_error(error)
    if cause is not None:
        code = str(cause.response.get("Error", {}).get("Code", ""))
        status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in NOT_FOUND:
            return ObjectNotFound(key)
        if code in FULL or status == 507:
            return StorageFullError(f"the object store has no room for {key} ({code or status})")
    return StorageError(f"could not {action} {key}: {error}")


@contextmanager
def translated(key: str, action: str) -> Iterator[None]:
    """Raise the contract's error instead of boto3's for anything in the block."""
    try:
        yield
    except BOTO_ERRORS as error:
        raise storage_error(error, key, action) from error
