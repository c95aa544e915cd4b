"""Fixtures for the pipeline tests: fast encodes, a live server, a second user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.support.pipeline import live_server


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The quickest x264 preset: these tests check structure, not picture quality."""
    return {"x264_preset": "ultrafast"}


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on loopback (for ffmpeg, which fetches by itself)."""
    with live_server(app) as url:
        yield url
