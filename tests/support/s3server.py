"""A real S3-protocol server for tests: moto's, as a process on a loopback port.

Any test module can start one (``with moto_server(log_dir) as url``) and point
``S3Storage`` or ``VIDSTREAM_STORAGE_URL`` at it. boto3 takes its credentials from
the environment, so :func:`s3_credentials` provides dummy ones (moto accepts any).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from tests.support.servers import HOST, free_ports, start_process, wait_for_url

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REGION = "us-east-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "vidstream-test",
    "AWS_SECRET_ACCESS_KEY": "vidstream-test-secret",
    "AWS_DEFAULT_REGION": REGION,
}
# Ambient settings that would point boto3 elsewhere than the test server.
IGNORED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


@contextmanager
def moto_server(log_dir: Path) -> Iterator[str]:
    """Run ``python -m moto.server`` on a free loopback port; yield its URL; stop it."""
    (port,) = free_ports(1)
    argv = [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)]
    server = start_process("moto", argv, f"http://{HOST}:{port}", log_dir)
    try:
        wait_for_url(server, "/", timeout=30)
        yield server.url
    finally:
        server.stop()


def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give boto3 dummy credentials and nothing else from the environment."""
    for name in IGNORED:
        monkeypatch.delenv(name, raising=False)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def s3_client(endpoint_url: str) -> S3Client:
    """A plain boto3 client for the test server, to look behind the storage backend."""
    return boto3.session.Session(
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    ).client("s3", endpoint_url=endpoint_url)


def new_bucket(client: S3Client) -> str:
    """Create a bucket with a fresh name; return the name."""
    name = f"vidstream-test-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name)
    return name


def storage_url(bucket: str, endpoint_url: str) -> str:
    """The ``VIDSTREAM_STORAGE_URL`` of ``bucket`` on the test server."""
    return f"s3://{bucket}?endpoint_url={endpoint_url}&region={REGION}"
