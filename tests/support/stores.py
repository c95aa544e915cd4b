"""The external database and Redis the tests may run against.

Empty strings mean SQLite and embedded stores; the second pass of ``dev.py test`` sets
``VIDSTREAM_TEST_DATABASE_URL`` (a server URL; each run makes its own database) and
``VIDSTREAM_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from vidstream.config import Settings, load_settings

TEST_DB = os.environ.get("VIDSTREAM_TEST_DATABASE_URL", "").strip()
TEST_REDIS = os.environ.get("VIDSTREAM_TEST_REDIS_URL", "").strip()


def make_settings(
    data_dir: Path, database_url: str | None, redis_url: str | None, **extra: Any
) -> Settings:
    """Settings for a test app: its own data dir, secret, Redis prefix; SQLite unless a URL."""
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "secret_key": secrets.token_urlsafe(40),
        "testing": True,
        "redis_url": redis_url,
        "redis_prefix": f"vstest:{secrets.token_hex(4)}:",
        # Most tests sign several people up; tests of the modes set their own.
        "signup": "open",
        **extra,
    }
    if database_url:
        overrides["database_url"] = database_url
    return load_settings(env={}, **overrides)
