"""S3-compatible object storage through boto3.

Writes go through boto3's managed transfer: one PUT for a small file, a multipart
upload with several parts in flight for a large one. Either way the object appears
whole or not at all (S3 makes a PUT, or the CompleteMultipartUpload of an upload,
visible atomically), which is the contract's atomic write. Readers get a seekable
stream (:mod:`vidstream.storage.s3_reader`); browsers get short-lived presigned
links instead of bytes relayed through the app.

Each process builds its own boto3 clients on first use: a client created before
gunicorn forks would otherwise share its pooled connections with every worker.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.response import StreamingBody

from vidstream.storage.base import ObjectNotFound, StorageError, check_key
from vidstream.storage.s3_errors import translated
from vidstream.storage.s3_location import S3Location
from vidstream.storage.s3_reader import ObjectReader

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

MIB = 1024 * 1024
# S3's own limits: parts of at least 5 MiB, and at most 1000 keys per list or delete.
MIN_PART_SIZE = 5 * MIB
MAX_PAGE_SIZE = 1000
READ_BUFFER = 256 * 1024
ClientKind = Literal["main", "probe", "signer"]


class S3Storage:
    """Objects in one bucket of an S3-compatible store, under the contract's keys."""

    def __init__(
        self,
        location: S3Location,
        *,
        part_size: int = 8 * MIB,
        concurrency: int = 4,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.location = location
        self.bucket = location.bucket
        self.page_size = page_size
        self.transfer = TransferConfig(
            multipart_threshold=part_size,
            multipart_chunksize=part_size,
            max_concurrency=concurrency,
            use_threads=True,
        )
        self._pool = max(10, concurrency * 4)
        self._pid = 0
        self._session: boto3.session.Session | None = None
        self._clients: dict[ClientKind, S3Client] = {}
        # boto3 sessions are not thread-safe, and requests run on several threads.
        self._lock = threading.Lock()

    def _client(self, kind: ClientKind = "main") -> S3Client:
        with self._lock:
            if self._session is None or self._pid != os.getpid():
                self._session, self._clients = boto3.session.Session(), {}
                self._pid = os.getpid()
            client = self._clients.get(kind)
            if client is None:
                client = self._clients[kind] = self._build(self._session, kind)
            return client

    def _build(self, session: boto3.session.Session, kind: ClientKind) -> S3Client:
        """``main`` does the work, ``probe`` checks readiness (gives up fast), ``signer`` signs."""
        where = self.location
        probe = kind == "probe"
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": where.addressing_style},
            connect_timeout=2 if probe else 10,
            read_timeout=2 if probe else 60,
            retries={"mode": "standard", "total_max_attempts": 1 if probe else 4},
            max_pool_connections=self._pool,
        )
        endpoint = where.endpoint_url
        if kind == "signer" and where.public_endpoint_url:
            endpoint = where.public_endpoint_url
        return session.client("s3", region_name=where.region, endpoint_url=endpoint, config=config)

    def put_file(self, key: str, source: Path) -> int:
        """Upload ``source``: multipart with parts in parallel above the part size."""
        check_key(key)
        try:
            size = source.stat().st_size
        except OSError as error:
            raise StorageError(f"could not read {source}: {error.strerror}") from error
        with translated(key, "store"):
            self._client().upload_file(str(source), self.bucket, key, Config=self.transfer)
        return size

    def open(self, key: str) -> BinaryIO:
        """A buffered, seekable stream of the object (its first GET is made now)."""
        check_key(key)
        with translated(key, "open"):
            first = self._client().get_object(Bucket=self.bucket, Key=key)
        etag = first["ETag"]

        def fetch_from(offset: int) -> StreamingBody:
            client = self._client()
            rest = client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={offset}-", IfMatch=etag
            )
            return rest["Body"]

        raw = ObjectReader(key, first["ContentLength"], first["Body"], fetch_from)
        return io.BufferedReader(raw, buffer_size=READ_BUFFER)

    def size(self, key: str) -> int:
        """Size of the object, from a HEAD request."""
        with translated(key, "inspect"):
            head = self._client().head_object(Bucket=self.bucket, Key=check_key(key))
        return head["ContentLength"]

    def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD request)."""
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def modified_at(self, key: str) -> float:
        """When the object was last written (POSIX time)."""
        with translated(key, "inspect"):
            head = self._client().head_object(Bucket=self.bucket, Key=check_key(key))
        return head["LastModified"].timestamp()

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``, one DeleteObjects call per listed page."""
        check_key(prefix.rstrip("/"))
        deleted = 0
        for page in self._pages(prefix):
            if not page:
                continue
            objects: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in page]
            with translated(prefix, "delete"):
                answer = self._client().delete_objects(
                    Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
                )
            if failed := answer.get("Errors"):
                first = failed[0]
                raise StorageError(
                    f"could not delete {len(failed)} object(s) under {prefix}, e.g. "
                    f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                )
            deleted += len(page)
        return deleted

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every key under ``prefix``, sorted, read page by page."""
        if prefix:
            check_key(prefix.rstrip("/"))
        return sorted(key for page in self._pages(prefix) for key in page)

    def _pages(self, prefix: str) -> list[list[str]]:
        paginator = self._client().get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
        )
        with translated(prefix or "/", "list"):
            return [[item["Key"] for item in page.get("Contents", [])] for page in pages]

    def local_path(self, key: str) -> Path | None:
        """None: objects are not files on this machine."""
        check_key(key)
        return None

    def download_url(self, key: str, *, content_type: str, expires: int) -> str | None:
        """A presigned GET link valid for ``expires`` seconds, answering with ``content_type``."""
        return self._presigned(key, content_type, expires)

    def download_origin(self) -> str | None:
        """The scheme://host[:port] that presigned links point to (read from a signed link)."""
        parts = urlsplit(self._presigned("origin", "text/plain", 60))
        return f"{parts.scheme}://{parts.netloc}"

    def _presigned(self, key: str, content_type: str, expires: int) -> str:
        params = {"Bucket": self.bucket, "Key": check_key(key), "ResponseContentType": content_type}
        with translated(key, "sign a link to"):
            return self._client("signer").generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires
            )

    def check_ready(self) -> None:
        """One HEAD on the bucket with short timeouts and no retry; raises boto3's error."""
        self._client("probe").head_bucket(Bucket=self.bucket)
