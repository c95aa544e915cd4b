"""What only the S3 backend does: multipart uploads, version-pinned reads, signed links, errors."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from tests.support.s3server import CREDENTIALS
from tests.support.servers import free_ports
from vidstream.storage import ObjectNotFound, StorageError, StorageFullError
from vidstream.storage.s3 import MIN_PART_SIZE, S3Storage
from vidstream.storage.s3_errors import storage_error
from vidstream.storage.s3_location import S3Location

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEY = "videos/abc/original.mp4"


def _storage(bucket: str, endpoint: str, **options: int) -> S3Storage:
    return S3Storage(
        S3Location(bucket, endpoint_url=endpoint, region="us-east-1", addressing_style="path"),
        **options,
    )


@pytest.fixture
def storage(bucket: str, moto_url: str) -> S3Storage:
    return _storage(bucket, moto_url, part_size=MIN_PART_SIZE)


def _file(folder: Path, size: int) -> Path:
    path = folder / f"{size}.bin"
    path.write_bytes(os.urandom(size))
    return path


def test_a_large_file_goes_up_in_parts(
    storage: S3Storage, s3: S3Client, bucket: str, tmp_path: Path
) -> None:
    big = _file(tmp_path, 2 * MIN_PART_SIZE + 1)
    storage.put_file(KEY, big)
    # A multipart object's ETag ends with the number of its parts.
    assert s3.head_object(Bucket=bucket, Key=KEY)["ETag"].strip('"').endswith("-3")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    small = _file(tmp_path, 1000)
    storage.put_file(KEY, small)
    assert "-" not in s3.head_object(Bucket=bucket, Key=KEY)["ETag"]


def test_a_reader_never_mixes_two_versions(storage: S3Storage, tmp_path: Path) -> None:
    storage.put_file(KEY, _file(tmp_path, 400_000))
    with storage.open(KEY) as reader:
        reader.read(10)
        storage.put_file(KEY, _file(tmp_path, 500_000))
        reader.seek(300_000)
        with pytest.raises(StorageError):
            reader.read(10)


def test_download_links_are_signed_and_say_when_they_expire(
    storage: S3Storage, tmp_path: Path, moto_url: str
) -> None:
    storage.put_file(KEY, _file(tmp_path, 1000))
    url = storage.download_url(KEY, content_type="image/jpeg", expires=120)
    assert url is not None
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith(CREDENTIALS["AWS_ACCESS_KEY_ID"] + "/")
    assert len(query["X-Amz-Signature"][0]) == 64
    assert query["response-content-type"] == ["image/jpeg"]
    assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in url
    # moto checks neither signatures nor expiry (S3 does), but refuses an unsigned
    # request. Expiry is tested where vidstream enforces it: the gateway's /_signed/
    # links (tests/e2e/test_gateway_media.py).
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403
    assert requests.get(url, timeout=10).status_code == 200


def test_links_can_be_signed_for_a_public_endpoint(bucket: str, moto_url: str) -> None:
    location = S3Location(
        bucket,
        endpoint_url=moto_url,
        region="us-east-1",
        public_endpoint_url="https://media.example.test",
        addressing_style="path",
    )
    storage = S3Storage(location)
    url = storage.download_url(KEY, content_type="video/mp4", expires=60)
    assert url is not None and url.startswith(f"https://media.example.test/{bucket}/{KEY}?")
    assert storage.download_origin() == "https://media.example.test"
    assert storage.list_keys() == []


def test_an_unreachable_store_is_a_storage_error(bucket: str, tmp_path: Path) -> None:
    (port,) = free_ports(1)
    storage = _storage(bucket, f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(Exception, match="Could not connect") as readiness:
        storage.check_ready()
    assert not isinstance(readiness.value, StorageError)
    for operation in (
        lambda: storage.put_file(KEY, _file(tmp_path, 10)),
        lambda: storage.open(KEY),
        lambda: storage.size(KEY),
        lambda: storage.list_keys("videos/"),
        lambda: storage.delete_prefix("videos/"),
    ):
        with pytest.raises(StorageError):
            operation()
    assert time.monotonic() - started < 20


def _client_error(code: str, status: int) -> ClientError:
    answer = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(answer, "PutObject")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("NoSuchKey", 404, ObjectNotFound),
        ("404", 404, ObjectNotFound),
        ("QuotaExceeded", 403, StorageFullError),
        ("XMinioStorageFull", 507, StorageFullError),
        ("InsufficientStorage", 507, StorageFullError),
        ("AccessDenied", 403, StorageError),
        ("SlowDown", 503, StorageError),
    ],
)
def test_store_answers_map_to_contract_errors(
    code: str, status: int, expected: type[StorageError]
) -> None:
    error = storage_error(_client_error(code, status), KEY, "store")
    assert type(error) is expected


def test_a_failed_upload_is_judged_by_its_cause() -> None:
    with pytest.raises(S3UploadFailedError) as raised:
        try:
            raise _client_error("XMinioStorageFull", 507)
        except ClientError as error:
            raise S3UploadFailedError(f"Failed to upload: {error}")  # noqa: B904 (as boto3 does)
    assert isinstance(storage_error(raised.value, KEY, "store"), StorageFullError)


def test_a_missing_bucket_is_not_a_missing_object(moto_url: str, tmp_path: Path) -> None:
    storage = _storage("vidstream-no-such-bucket", moto_url)
    for operation in (
        lambda: storage.put_file(KEY, _file(tmp_path, 10)),
        lambda: storage.open(KEY),
    ):
        with pytest.raises(StorageError, match="NoSuchBucket") as raised:
            operation()
        assert not isinstance(raised.value, ObjectNotFound)


def test_part_and_page_sizes_stay_within_s3_limits() -> None:
    location = S3Location("some-bucket")
    with pytest.raises(ValueError, match="part_size"):
        S3Storage(location, part_size=MIN_PART_SIZE - 1)
    for page_size in (0, 1001):
        with pytest.raises(ValueError, match="page_size"):
            S3Storage(location, page_size=page_size)
