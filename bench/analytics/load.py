"""Beacon load: many anonymous viewers of a public video, each with its page's token.

Each viewer's token comes from a real embed page (a fresh viewer id each, as for a
browser without the cookie), and each beacon reports the next 10 seconds of that
viewer's play, as a player does, so the per-viewer cap is never what refuses one.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.common.procs import BenchError

TOKEN = re.compile(r'data-beacon-token="([^"]+)"')
URL = re.compile(r'data-beacon-url="([^"]+)"')


def viewer_tokens(base_url: str, public_id: str, count: int) -> tuple[str, list[str]]:
    """The beacon path and ``count`` tokens, each from its own embed page."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    tokens, path = [], ""
    for _ in range(count):
        connection.request("GET", f"/embed/{public_id}")
        page = connection.getresponse().read().decode()
        token, url = TOKEN.search(page), URL.search(page)
        if not token or not url:
            raise BenchError("the embed page carries no beacon token")
        tokens.append(token.group(1))
        path = url.group(1)
    return path, tokens


@dataclass
class BeaconCount:
    """What a beacon run saw."""

    sent: int = 0
    accepted: int = 0
    refused: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def send_beacons(
    base_url: str,
    path: str,
    tokens: list[str],
    threads: int,
    stop: threading.Event,
    rate: float = 0.0,
) -> BeaconCount:
    """Send beacons from ``threads`` keep-alive connections until ``stop`` is set.

    ``rate`` paces them to that many a second in all (as many viewers' players would,
    each sending one every 10 s); 0 sends as fast as the server answers.
    """
    parts = urlsplit(base_url)
    count = BeaconCount()
    lock = threading.Lock()
    gap = threads / rate if rate > 0 else 0.0

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        n = offset
        due = time.monotonic() + gap * offset / threads
        while not stop.is_set():
            if gap:
                if stop.wait(max(0.0, due - time.monotonic())):
                    break
                due += gap
            token = tokens[n % len(tokens)]
            start = (n // len(tokens)) * 10 % 3000
            body = json.dumps({"token": token, "ranges": [[start, start + 10]]})
            connection.request("POST", path, body, {"Content-Type": "text/plain"})
            status = connection.getresponse()
            status.read()
            with lock:
                count.sent += 1
                if status.status == 204:
                    count.accepted += 1
                else:
                    count.refused += 1
            n += threads

    began = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    count.seconds = time.monotonic() - began
    return count
