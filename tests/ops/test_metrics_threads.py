"""The metrics are created once even when a worker's first requests arrive together."""

from __future__ import annotations

import os
import subprocess
import sys

# A fresh interpreter, so nothing has registered the metrics yet. Creating a counter
# is made slow, so that without a lock a second thread would start creating them too.
RACE = """
import threading, time
import vidstream.ops.metrics as m

class SlowCounter(m.Counter):
    def __init__(self, *args, **kwargs):
        time.sleep(0.05)
        super().__init__(*args, **kwargs)

m.Counter = SlowCounter
start = threading.Barrier(4)
made, errors = [], []

def first_request():
    start.wait()
    try:
        made.append(m.metrics())
    except Exception as error:
        errors.append(repr(error))

threads = [threading.Thread(target=first_request) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert not errors, errors
assert len(made) == 4 and all(one is made[0] for one in made)
"""


def test_threads_asking_at_once_get_the_same_metrics() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", RACE], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
