"""The local storage backend keeps the storage contract."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from vidstream.storage import LocalStorage, ObjectNotFound, StorageFullError, check_key


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "src.bin"
    path.write_bytes(os.urandom(100_000))
    return path


def test_put_open_size_list_delete(storage: LocalStorage, source: Path) -> None:
    assert storage.put_file("videos/abc/original.mp4", source) == 100_000
    storage.put_file("videos/abc/poster.jpg", source)
    storage.put_file("videos/other/original.mp4", source)
    with storage.open("videos/abc/original.mp4") as fh:
        assert fh.read() == source.read_bytes()
    assert storage.size("videos/abc/original.mp4") == 100_000
    assert storage.exists("videos/abc/poster.jpg")
    assert storage.list_keys("videos/abc/") == ["videos/abc/original.mp4", "videos/abc/poster.jpg"]
    assert storage.delete_prefix("videos/abc/") == 2
    assert storage.list_keys("") == ["videos/other/original.mp4"]
    assert not (storage.root / "videos" / "abc").exists()


def test_missing_objects(storage: LocalStorage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.open("videos/none/original.mp4")
    with pytest.raises(ObjectNotFound):
        storage.size("videos/none/original.mp4")
    assert storage.delete_prefix("videos/none/") == 0


def test_the_stored_copy_is_independent_of_the_source(storage: LocalStorage, source: Path) -> None:
    original = source.read_bytes()
    storage.put_file("videos/a/original.mp4", source)
    source.unlink()
    with storage.open("videos/a/original.mp4") as fh:
        assert fh.read() == original


@pytest.mark.parametrize("staged_mode", [0o600, 0o666])
def test_stored_files_are_readable_by_their_group_only(
    storage: LocalStorage, source: Path, staged_mode: int
) -> None:
    # A staged upload is private to its writer (mkstemp makes 0600); the stored file is
    # for the gateway too, which reads it through the group, whatever the staged mode.
    source.chmod(staged_mode)
    storage.put_file("videos/a/original.mp4", source)
    assert (storage.path("videos/a/original.mp4").stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize(
    "key",
    ["../escape", "videos/../../etc/passwd", "/abs/path", "videos//double", "", "videos/a b",
     "videos/\x00", ".hidden/x", "videos/..", "C:\\windows"],
)  # fmt: skip
def test_keys_cannot_escape_the_root(key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        check_key(key)


def test_overwrite_is_atomic_and_leaves_no_temp_files(
    storage: LocalStorage, source: Path, tmp_path: Path
) -> None:
    storage.put_file("videos/a/original.mp4", source)
    newer = tmp_path / "newer.bin"
    newer.write_bytes(b"new")
    storage.put_file("videos/a/original.mp4", newer)
    assert storage.path("videos/a/original.mp4").read_bytes() == b"new"
    assert [p.name for p in (storage.root / "videos" / "a").iterdir()] == ["original.mp4"]


def test_disk_full_is_reported_and_cleaned_up(
    storage: LocalStorage, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StorageFullError):
        storage.put_file("videos/a/original.mp4", source)
    monkeypatch.undo()
    assert storage.list_keys("") == []
    assert list((storage.root / "videos" / "a").iterdir()) == []
