"""Reading ``s3://`` storage URLs, and the configuration that depends on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidstream.config import ConfigError, Settings, load_settings
from vidstream.storage import LocalStorage, storage_from_url
from vidstream.storage.s3 import S3Storage
from vidstream.storage.s3_location import S3Location, parse_s3_url

MINIO = "s3://media-bucket?endpoint_url=http://minio:9000&region=eu-west-1"


def test_every_part_is_read() -> None:
    url = MINIO + "&public_endpoint_url=https://media.example.org/&addressing_style=virtual"
    assert parse_s3_url(url) == S3Location(
        bucket="media-bucket",
        endpoint_url="http://minio:9000",
        region="eu-west-1",
        public_endpoint_url="https://media.example.org",
        addressing_style="virtual",
    )


def test_path_style_is_the_default_only_with_an_endpoint() -> None:
    assert parse_s3_url(MINIO).addressing_style == "path"
    assert parse_s3_url("s3://media-bucket/") == S3Location("media-bucket", addressing_style="auto")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://key:secret@media-bucket", "must not carry credentials"),
        ("s3://Media_Bucket", "invalid bucket"),
        ("s3://ab", "invalid bucket"),
        ("s3://media..bucket", "invalid bucket"),
        ("s3://media-bucket/videos", "not a path"),
        ("s3://media-bucket?endpoint=http://x", "unknown parameter 'endpoint'"),
        ("s3://media-bucket?region=a&region=b", "gives region twice"),
        ("s3://media-bucket?endpoint_url=minio:9000", "endpoint_url must be an http"),
        ("s3://media-bucket?endpoint_url=http://u:p@minio", "plain scheme://host"),
        ("s3://media-bucket?public_endpoint_url=ftp://x", "public_endpoint_url must be"),
        ("s3://media-bucket?region=EU%20WEST", "invalid region"),
        ("s3://media-bucket?addressing_style=dns", "addressing_style must be one of"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_s3_url(url)


def test_the_url_chooses_the_backend(tmp_path: Path) -> None:
    assert isinstance(storage_from_url(MINIO), S3Storage)
    assert isinstance(storage_from_url(f"file://{tmp_path}"), LocalStorage)
    with pytest.raises(ValueError, match="file:// URL or an s3://bucket URL"):
        storage_from_url("gs://bucket")


def _load(tmp_path: Path, **env: str) -> Settings:
    return load_settings(env={"VIDSTREAM_DATA_DIR": str(tmp_path), **env})


def test_configuration_accepts_a_bucket_and_refuses_a_bad_one(tmp_path: Path) -> None:
    assert _load(tmp_path, VIDSTREAM_STORAGE_URL=MINIO).storage_url == MINIO
    with pytest.raises(
        ConfigError, match="VIDSTREAM_STORAGE_URL must not carry credentials"
    ) as bad:
        _load(tmp_path, VIDSTREAM_STORAGE_URL="s3://AKIA:hunter2@media-bucket")
    assert "hunter2" not in str(bad.value)


def test_the_gateway_mode_needs_local_storage(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VIDSTREAM_ACCEL_REDIRECT needs file:// storage"):
        _load(tmp_path, VIDSTREAM_STORAGE_URL=MINIO, VIDSTREAM_ACCEL_REDIRECT="/_protected/")


@pytest.mark.parametrize(("value", "expected"), [("", 300), ("60", 60), ("604800", 604800)])
def test_link_lifetime(tmp_path: Path, value: str, expected: int) -> None:
    settings = _load(tmp_path, VIDSTREAM_PRESIGNED_URL_SECONDS=value)
    assert settings.presigned_url_seconds == expected


@pytest.mark.parametrize(("value", "message"), [("9", "at least 10"), ("604801", "at most 604800")])
def test_link_lifetime_limits(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, VIDSTREAM_PRESIGNED_URL_SECONDS=value)
