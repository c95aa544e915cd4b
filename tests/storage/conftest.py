"""Fixtures for the storage tests: one moto S3 server per run, a fresh bucket per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.s3server import moto_server, new_bucket, s3_client, s3_credentials

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of an S3 server (moto) on loopback, for the whole run."""
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials in the environment, where boto3 looks for them."""
    s3_credentials(monkeypatch)


@pytest.fixture(scope="session")
def s3(moto_url: str) -> S3Client:
    """A plain client for looking at the bucket behind the backend's back."""
    return s3_client(moto_url)


@pytest.fixture
def bucket(s3: S3Client) -> str:
    """An empty bucket of this test's own."""
    return new_bucket(s3)
