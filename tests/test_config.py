"""Settings come from the environment, fail fast, and generate the secret once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vidstream.config import SERVICES, ConfigError, load_settings


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = load_settings(env={"VIDSTREAM_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'vidstream.db'}"
    assert settings.storage_url == f"file://{tmp_path / 'media'}"
    assert settings.redis_url is None
    assert settings.services == SERVICES
    assert settings.signup == ""  # open for the first account, then by invitation


def test_secret_key_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    first = load_settings(env={"VIDSTREAM_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings(env={"VIDSTREAM_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_secret_key_from_environment(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_SECRET_KEY": "k" * 40}
    assert load_settings(env=env).secret_key == "k" * 40
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VIDSTREAM_MAX_UPLOAD_BYTES", "ten", "must be a whole number"),
        ("VIDSTREAM_MAX_UPLOAD_BYTES", "0", "at least 1"),
        ("VIDSTREAM_USER_QUOTA_BYTES", "-5", "at least 0"),
        ("VIDSTREAM_SIGNUP", "maybe", "must be one of open, invite, closed"),
        ("VIDSTREAM_SERVICES", "auth,video", "unknown service(s) video"),
        ("VIDSTREAM_PUBLIC_URL", "example.com", "must start with http"),
        ("VIDSTREAM_STORAGE_URL", "ftp://x", "file:// URL"),
        ("VIDSTREAM_SECRET_KEY", "short", "at least 32 characters"),
        ("VIDSTREAM_AUDIT_RETENTION_DAYS", "0", "at least 1"),
    ],
)
def test_bad_values_fail_fast(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(env={"VIDSTREAM_DATA_DIR": str(tmp_path), name: value})


def test_values_are_parsed(tmp_path: Path) -> None:
    env = {
        "VIDSTREAM_DATA_DIR": str(tmp_path),
        "VIDSTREAM_MAX_UPLOAD_BYTES": "1_000_000",
        "VIDSTREAM_SERVICES": "stream, upload",
        "VIDSTREAM_DATABASE_URL": "mysql://u:p@db/vidstream",
        "VIDSTREAM_STREAM_URL": "http://localhost:5002/",
        "VIDSTREAM_SIGNUP": "Closed",
        "VIDSTREAM_AUDIT_RETENTION_DAYS": "90",
    }
    settings = load_settings(env=env)
    assert settings.audit_retention_days == 90
    assert load_settings(env={"VIDSTREAM_DATA_DIR": str(tmp_path)}).audit_retention_days == 365
    assert settings.max_upload_bytes == 1_000_000
    assert settings.services == ("stream", "upload")
    assert settings.database_url == "mysql+pymysql://u:p@db/vidstream"
    assert settings.service_urls == {"stream": "http://localhost:5002"}
    assert settings.signup == "closed"


def test_signed_media_links_need_a_secret_local_storage_and_no_accel(tmp_path: Path) -> None:
    base = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_MEDIA_LINKS": "/_signed/"}
    secret = "k" * 40
    settings = load_settings({**base, "VIDSTREAM_MEDIA_LINK_SECRET": secret})
    assert (settings.media_links, settings.media_link_secret) == ("/_signed/", secret)
    assert secret not in repr(settings)
    refused = {
        "no secret": {},
        "a short secret": {"VIDSTREAM_MEDIA_LINK_SECRET": "k" * 31},
        "a secret nginx could not hold": {"VIDSTREAM_MEDIA_LINK_SECRET": "k" * 40 + '"'},
        "both ways at once": {
            "VIDSTREAM_MEDIA_LINK_SECRET": secret,
            "VIDSTREAM_ACCEL_REDIRECT": "/_protected/",
        },
        "S3 storage": {
            "VIDSTREAM_MEDIA_LINK_SECRET": secret,
            "VIDSTREAM_STORAGE_URL": "s3://bucket?region=us-east-1",
        },
        "a path without slashes": {
            "VIDSTREAM_MEDIA_LINK_SECRET": secret,
            "VIDSTREAM_MEDIA_LINKS": "_signed",
        },
    }
    for case, extra in refused.items():
        with pytest.raises(ConfigError):
            load_settings({**base, **extra})
            pytest.fail(case)
