"""Fixtures of the bad-input corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.hostile_media import HOSTILE_MEDIA
from tests.support.tus import Tus


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The corpus sends far more sign-ups and uploads than the abuse limits let through."""
    return {"rate_limits": False}


@pytest.fixture
def tus(app: Flask) -> Tus:
    """A tus client signed in with an access token of its own user, ``uploader``."""
    return Tus.with_token(app, "uploader")


@pytest.fixture(scope="session")
def hostile_media(media_dir: Path, sample_mp4: Path) -> dict[str, Path]:
    """Every hostile file of :data:`HOSTILE_MEDIA`, made once per run."""
    folder = media_dir / "hostile"
    folder.mkdir()
    return {name: make(folder / f"{name}.mp4", sample_mp4) for name, make in HOSTILE_MEDIA.items()}
