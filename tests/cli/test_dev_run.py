"""``python3 dev.py run`` on a fresh data dir: a few lines on the terminal, the rest in the log."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.servers import ROOT, free_ports, start_process, wait_for_url

pytestmark = pytest.mark.e2e
ONE_SCREEN = 10


def test_first_run_prints_a_few_lines_and_logs_the_rest(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    data = tmp_path / "data"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    env = {**clean, "VIDSTREAM_DATA_DIR": str(data), "VIDSTREAM_WORKERS": "1",
           "VIDSTREAM_WORKER_CONCURRENCY": "1"}  # fmt: skip
    argv = [sys.executable, str(ROOT / "dev.py"), "run", "--port", str(port)]
    run = start_process("dev-run", argv, f"http://127.0.0.1:{port}", tmp_path / "logs", env)
    try:
        wait_for_url(run, "/readyz")
        assert requests.get(f"{run.url}/signup", timeout=10).status_code == 200
        log = data / "vidstream.log"
        # The embedded worker's last start-up line: everything that prints at start has.
        while "ready." not in log.read_text():
            assert run.popen.poll() is None, run.log_tail()
            time.sleep(0.1)
        os.killpg(run.popen.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        assert run.popen.wait(60) == 0, run.log_tail()
    finally:
        run.stop()
    printed = run.log.read_text().splitlines()
    assert len(printed) <= ONE_SCREEN, printed
    text = "\n".join(printed)
    assert f"http://127.0.0.1:{port}" in text and str(data) in text and "Ctrl+C" in text
    assert "database ready" in text
    for noise in ("superuser privileges", "[tasks]", "Booting worker", "Traceback"):
        assert noise not in text
    logged = log.read_text()
    assert "Booting worker" in logged and "Running upgrade" in logged
