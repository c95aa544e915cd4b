"""Two uploads by one user finishing together: only one may take the last of the quota.

Each upload checks the quota once more while it records its row. The test holds the
first upload to reach that check until the second one reaches it too, or until the
second is seen to wait for the first (it then cannot arrive: the wait times out and
the first one goes on). Without a lock both arrive, both pass and both are stored.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.accounts import AuthActions
from tests.support.tus import Tus
from vidstream.extensions import db
from vidstream.models import Video
from vidstream.services.upload import logic
from vidstream.services.upload.tus import uploads

# Long enough for the other upload to reach the check if nothing holds it back.
ARRIVAL_SECONDS = 3.0


@pytest.fixture
def settings_overrides(sample_mp4: Path) -> dict[str, Any]:
    """Room for one sample video and a half."""
    return {"user_quota_bytes": sample_mp4.stat().st_size * 3 // 2, "rate_limits": False}


def meet_at_the_recording_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the quota check made while recording a row wait for the other upload's."""
    barrier = threading.Barrier(2, timeout=ARRIVAL_SECONDS)
    original: Callable[..., None] = logic.check_quota

    def check(*args: Any) -> None:
        if sys._getframe(1).f_code.co_name == "_record":
            # Broken: the other upload waits for this one's lock.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        original(*args)

    monkeypatch.setattr(logic, "check_quota", check)


def test_concurrent_uploads_cannot_both_pass_the_quota(
    app: Flask, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = AuthActions(app.test_client())
    first.signup("alice")
    second = AuthActions(app.test_client())
    second.signin("alice")
    meet_at_the_recording_check(monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda browser: browser.upload(sample_mp4, json=True), [first, second])
        )
    assert sorted(a.status_code for a in answers) == [201, 413]
    refused = next(a for a in answers if a.status_code == 413)
    assert refused.get_json()["error"]["code"] == "quota_exceeded"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Video)) == 1


def test_concurrent_tus_creations_cannot_both_reserve_the_quota(
    app: Flask, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tus = Tus.with_token(app, "alice")
    length = sample_mp4.stat().st_size
    barrier = threading.Barrier(2, timeout=ARRIVAL_SECONDS)
    original = uploads.check_room

    def check(*args: Any) -> None:
        # Broken: the other creation waits for this one's lock.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        original(*args)

    monkeypatch.setattr(uploads, "check_room", check)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: tus.create(length), range(2)))
    assert sorted(a.status_code for a in answers) == [201, 413]
