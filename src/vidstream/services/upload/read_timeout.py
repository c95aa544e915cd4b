"""A read timeout on the connection of every request whose body is an upload.

gunicorn's threaded worker reads a request from a blocking socket with no timeout, so
a client that sends its headers and then stalls would hold a thread, and for tus its
upload's lock, for as long as the connection stays open. With a timeout, a read that
waits longer than ``VIDSTREAM_UPLOAD_READ_TIMEOUT`` fails, and the request ends as if
the client had gone. gunicorn puts the socket back in blocking mode (which clears
the timeout) before the connection's next request.
"""

from __future__ import annotations

import socket
from typing import Any

from vidstream import current


def limit_reads(environ: dict[str, Any]) -> None:
    """Give this request's socket the upload read timeout (no-op outside gunicorn)."""
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        sock.settimeout(current.settings().upload_read_timeout_seconds)
