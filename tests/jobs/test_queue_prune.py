"""What dead jobs leave is cleared: delivered queue messages, scratch folders."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from kombu import Connection

from vidstream.jobs.queue_prune import prune_delivered_messages
from vidstream.jobs.workspace import scratch_folder, sweep_scratch


def _rows(url: str) -> list[tuple[bool, str]]:
    engine = sa.create_engine(url.removeprefix("sqla+"))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT visible, payload FROM kombu_message ORDER BY id"))
        found = [(bool(visible), payload) for visible, payload in rows]
    engine.dispose()
    return found


def test_delivered_messages_are_pruned_and_waiting_ones_kept(tmp_path: Path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'queue.db'}"
    with Connection(url) as conn:
        queue = conn.SimpleQueue("render")
        for number in range(3):
            queue.put({"video": number})
        for _ in range(2):
            queue.get(timeout=5).ack()
        queue.close()
    assert [visible for visible, _ in _rows(url)] == [False, False, True]

    assert prune_delivered_messages(url) == 0  # delivered just now: kept for a day
    assert prune_delivered_messages(url, keep=timedelta(0)) == 2
    [(visible, payload)] = _rows(url)
    assert visible and json.loads(payload)["body"] == base64.b64encode(b'{"video": 2}').decode()

    with Connection(url) as conn:  # the waiting message is still delivered
        queue = conn.SimpleQueue("render")
        assert queue.get(timeout=5).payload == {"video": 2}
        queue.close()


def test_only_the_embedded_queue_is_pruned(tmp_path: Path) -> None:
    assert prune_delivered_messages("redis://127.0.0.1:6379/0", keep=timedelta(0)) == 0
    empty = f"sqla+sqlite:///{tmp_path / 'new.db'}"
    assert prune_delivered_messages(empty, keep=timedelta(0)) == 0


def test_scratch_folders_of_dead_jobs_are_removed(tmp_path: Path) -> None:
    work = tmp_path / "work"
    with scratch_folder(work, "abc") as running:
        (running / "seg_00000.m4s").write_bytes(b"x")
        dead = work / "def-k2j3h4"
        (dead / "hls" / "360p").mkdir(parents=True)
        old = time.time() - 5 * 3600
        os.utime(dead, (old, old))
        assert sweep_scratch(work, older_than_seconds=4 * 3600 + 120) == 1
        assert not dead.exists() and running.exists()
    assert sweep_scratch(tmp_path / "missing", 60) == 0
