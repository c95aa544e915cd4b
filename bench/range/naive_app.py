"""Target (c): the naive design, a Flask view that yields the file from a generator.

For a Range request it opens the file at byte 0 and reads forward in 64 KiB chunks,
dropping everything before the range's first byte, so the cost grows with the
offset; every byte then passes through Python on its way to the socket. Served by
gunicorn with the same settings as ``vidstream serve``, so that the comparison is
about the code path and not about the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from flask import Flask, Response, request

CHUNK = 64 * 1024


def read_from_start(path: str, start: int, stop: int) -> Iterator[bytes]:
    """Yield bytes ``start``..``stop`` of ``path``, reading (and dropping) all before."""
    with open(path, "rb") as fh:
        position = 0
        while position < stop:
            chunk = fh.read(min(CHUNK, stop - position))
            if not chunk:
                return
            wanted = chunk[max(0, start - position) :]
            position += len(chunk)
            if wanted:
                yield wanted


def create_app(path: str) -> Flask:
    """A one-route app serving ``path`` at ``/original.mp4``."""
    app = Flask(__name__)
    size = os.path.getsize(path)

    @app.get("/original.mp4")
    def original() -> Response:
        window = request.range.range_for_length(size) if request.range else None
        start, stop = window or (0, size)
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(stop - start)}
        if window is not None:
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        return Response(
            read_from_start(path, start, stop),
            status=206 if window else 200,
            headers=headers,
            mimetype="video/mp4",
        )

    return app
