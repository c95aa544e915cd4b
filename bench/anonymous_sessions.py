"""How much the embedded session store holds after many anonymous page views.

``python -m bench.anonymous_sessions [views]`` (default 10,000): each view is a new
visitor (no cookie) opening the sign-in page, which stores a session for its CSRF
token. It prints the files and bytes under ``data/sessions`` right after, and again
once the clock has passed an anonymous session's life and one more visitor came.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

from vidstream import create_app
from vidstream.config import load_settings
from vidstream.migrations.runner import upgrade_database
from vidstream.web import sessions


def store_size(folder: Path) -> tuple[int, int, int]:
    """(files, bytes of content, bytes on disk) under ``folder``."""
    files = [p for p in folder.iterdir() if p.is_file()]
    return (
        len(files),
        sum(p.stat().st_size for p in files),
        sum(p.stat().st_blocks * 512 for p in files),
    )


def main(views: int) -> None:
    """Run the views and print the store's size."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        settings = load_settings(
            env={}, data_dir=data_dir, secret_key=secrets.token_urlsafe(40), rate_limits=False
        )
        app = create_app(settings)
        upgrade_database(app)
        for _ in range(views):
            assert app.test_client().get("/signin").status_code == 200
        folder = data_dir / "sessions"
        print(
            f"after {views} anonymous views: files, content bytes, disk bytes =", store_size(folder)
        )
        later = sessions.now() + 15 * 86400  # past any lifetime, even the signed-in one
        sessions.now = lambda: later  # type: ignore[assignment]
        app.test_client().get("/signin")
        print("after their lifetime and one more view:", store_size(folder))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
