"""The storage contract, kept by every backend: local disk and S3 (a real moto server)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
import requests

from vidstream.storage import LocalStorage, ObjectNotFound, Storage, StorageError
from vidstream.storage.s3 import MIN_PART_SIZE, S3Storage
from vidstream.storage.s3_location import S3Location

KEY = "videos/abc/original.mp4"
# Small pages make listing and deleting a dozen keys take several round trips.
PAGE_SIZE = 3


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn; S3 with the smallest part size S3 allows."""
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    location = S3Location(
        request.getfixturevalue("bucket"),
        endpoint_url=request.getfixturevalue("moto_url"),
        region="us-east-1",
        addressing_style="path",
    )
    return S3Storage(location, part_size=MIN_PART_SIZE, page_size=PAGE_SIZE)


def _file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return _file(tmp_path, "source.bin", 300_000)


def test_put_open_size_exists_list_delete(storage: Storage, source: Path) -> None:
    assert storage.put_file(KEY, source) == 300_000
    storage.put_file("videos/abc/images/poster.jpg", source)
    storage.put_file("videos/other/original.mp4", source)
    with storage.open(KEY) as fh:
        assert fh.read() == source.read_bytes()
    assert storage.size(KEY) == 300_000
    assert storage.exists("videos/abc/images/poster.jpg")
    assert not storage.exists("videos/abc/poster.jpg")
    assert storage.list_keys("videos/abc/") == ["videos/abc/images/poster.jpg", KEY]
    assert storage.delete_prefix("videos/abc/") == 2
    assert storage.list_keys() == ["videos/other/original.mp4"]
    assert not storage.exists(KEY)


def test_an_open_object_is_seekable(storage: Storage, source: Path) -> None:
    data = source.read_bytes()
    storage.put_file(KEY, source)
    with storage.open(KEY) as fh:
        assert fh.read(10) == data[:10]
        fh.seek(200_000)
        assert fh.read(1000) == data[200_000:201_000]
        assert fh.tell() == 201_000
        fh.seek(5)
        assert fh.read(5) == data[5:10]
        fh.seek(-4, io.SEEK_END)
        assert fh.read() == data[-4:]
        assert fh.read() == b""


def test_a_file_larger_than_a_part_round_trips(storage: Storage, tmp_path: Path) -> None:
    big = _file(tmp_path, "big.bin", 2 * MIN_PART_SIZE + 12_345)
    assert storage.put_file(KEY, big) == big.stat().st_size
    assert storage.size(KEY) == big.stat().st_size
    with storage.open(KEY) as fh:
        assert fh.read() == big.read_bytes()


def test_an_empty_file_round_trips(storage: Storage, tmp_path: Path) -> None:
    empty = _file(tmp_path, "empty.bin", 0)
    assert storage.put_file(KEY, empty) == 0
    assert storage.size(KEY) == 0
    with storage.open(KEY) as fh:
        assert fh.read() == b""


def test_missing_objects(storage: Storage) -> None:
    missing = "videos/none/original.mp4"
    with pytest.raises(ObjectNotFound):
        storage.open(missing)
    with pytest.raises(ObjectNotFound):
        storage.size(missing)
    with pytest.raises(ObjectNotFound):
        storage.modified_at(missing)
    assert not storage.exists(missing)
    assert storage.list_keys("videos/none/") == []
    assert storage.delete_prefix("videos/none/") == 0


def test_a_missing_source_file_is_a_storage_error(storage: Storage, tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        storage.put_file(KEY, tmp_path / "gone.bin")
    assert storage.list_keys() == []


INVALID_KEYS = ["../escape", "videos/../../etc/passwd", "/abs/path", "videos//double", "",
                "videos/a b", "videos/\x00", ".hidden/x", "videos/..", "C:\\windows", "videos/a?b",
                "videos/%2e%2e"]  # fmt: skip


def test_invalid_keys_are_refused_before_any_io(storage: Storage, source: Path) -> None:
    for key in INVALID_KEYS:
        with pytest.raises(ValueError, match="invalid storage key"):
            storage.put_file(key, source)
        for read in (storage.open, storage.size, storage.exists, storage.modified_at):
            with pytest.raises(ValueError, match="invalid storage key"):
                read(key)
        with pytest.raises(ValueError, match="invalid storage key"):
            storage.delete_prefix(key + "/")
    assert storage.list_keys() == []


def test_an_overwrite_is_atomic_for_readers(storage: Storage, source: Path, tmp_path: Path) -> None:
    old = source.read_bytes()
    newer = _file(tmp_path, "newer.bin", 1234)
    storage.put_file(KEY, source)
    with storage.open(KEY) as before:
        head = before.read(1000)
        storage.put_file(KEY, newer)
        assert head + before.read() == old
    with storage.open(KEY) as after:
        assert after.read() == newer.read_bytes()
    assert storage.size(KEY) == 1234
    assert storage.list_keys() == [KEY]


def test_listing_and_deleting_go_past_one_page(storage: Storage, source: Path) -> None:
    keys = sorted(f"videos/a{i:02d}/hls/seg_{i:05d}.m4s" for i in range(11))
    for key in keys:
        storage.put_file(key, source)
    storage.put_file("videos/b/original.mp4", source)
    assert storage.list_keys("videos/a") == keys
    assert storage.list_keys("videos/a0") == keys[:10]
    assert len(storage.list_keys("videos/")) == 12
    assert storage.delete_prefix("videos/a") == 11
    assert storage.list_keys() == ["videos/b/original.mp4"]


def test_modified_at_is_the_write_time(storage: Storage, source: Path) -> None:
    storage.put_file(KEY, source)
    assert abs(storage.modified_at(KEY) - time.time()) < 5


def test_local_path_holds_the_bytes_when_there_is_one(storage: Storage, source: Path) -> None:
    storage.put_file(KEY, source)
    path = storage.local_path(KEY)
    if path is not None:
        assert path.read_bytes() == source.read_bytes()
    else:
        assert isinstance(storage, S3Storage)


def test_a_download_link_serves_the_object(storage: Storage, source: Path) -> None:
    storage.put_file(KEY, source)
    url = storage.download_url(KEY, content_type="video/mp4", expires=60)
    origin = storage.download_origin()
    if url is None:
        assert origin is None
        return
    assert origin is not None and url.startswith(origin + "/")
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.content == source.read_bytes()
    assert answer.headers["Content-Type"] == "video/mp4"
    part = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206 and part.content == source.read_bytes()[100:200]


def test_the_backend_reports_ready(storage: Storage) -> None:
    storage.check_ready()
