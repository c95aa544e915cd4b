"""A form upload sent over a raw socket in steps the test controls.

A test sends part of a multipart body, does something to the server (kills it, stops
its database) while the server waits for the rest, then sends the rest or looks at
what the client got. The body is announced with an exact Content-Length, as browsers
send it.
"""

from __future__ import annotations

import http.client
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    """What the server answered: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class SlowUpload:
    """``POST path`` on ``base_url`` with ``source`` in the form field ``filename``."""

    base_url: str
    source: Path
    fields: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/upload"
    sent: int = 0

    def __post_init__(self) -> None:
        boundary = f"----vidstream-{secrets.token_hex(8)}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in self.fields.items()
        ]
        self._head = (
            "".join(parts) + f'--{boundary}\r\nContent-Disposition: form-data; name="filename"; '
            f'filename="{self.source.name}"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = len(self._head) + self.source.stat().st_size + len(self._tail)
        url = urlsplit(self.base_url)
        self._sock = socket.create_connection((url.hostname or "", url.port or 80), timeout=30)
        request = {
            "Host": url.netloc,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(self.length),
            **self.headers,
        }
        lines = [f"POST {self.path} HTTP/1.1", *(f"{k}: {v}" for k, v in request.items())]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._file = self.source.open("rb")

    def send(self, count: int) -> None:
        """Send the next ``count`` bytes of the body (fewer at its end)."""
        goal = min(self.length, self.sent + count)
        while self.sent < goal:
            self._sock.sendall(self._piece(min(1024 * 1024, goal - self.sent)))

    def send_rest(self) -> None:
        """Send whatever is left of the body."""
        self.send(self.length - self.sent)

    def _piece(self, size: int) -> bytes:
        file_size = self.length - len(self._head) - len(self._tail)
        if self.sent < len(self._head):
            piece = self._head[self.sent : self.sent + size]
        elif self.sent < len(self._head) + file_size:
            piece = self._file.read(min(size, len(self._head) + file_size - self.sent))
        else:
            start = self.sent - len(self._head) - file_size
            piece = self._tail[start : start + size]
        self.sent += len(piece)
        return piece

    def answer(self, timeout: float = 60) -> Answer:
        """Read the server's answer (raises ``OSError``/``HTTPException`` if there is none)."""
        self._sock.settimeout(timeout)
        response = http.client.HTTPResponse(self._sock)
        response.begin()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)

    def close(self) -> None:
        """Close the connection and the source file."""
        self._file.close()
        self._sock.close()
