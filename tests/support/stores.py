"""The external database and Redis the tests may run against.

Empty strings mean SQLite and embedded stores; the second pass of ``dev.py test`` sets
``VIDSTREAM_TEST_DATABASE_URL`` (a server URL; each run makes its own database) and
``VIDSTREAM_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os

TEST_DB = os.environ.get("VIDSTREAM_TEST_DATABASE_URL", "").strip()
TEST_REDIS = os.environ.get("VIDSTREAM_TEST_REDIS_URL", "").strip()
