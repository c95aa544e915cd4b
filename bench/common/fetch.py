"""Plain HTTP/1.1 requests to the loopback servers: no proxies, no redirects followed."""

from __future__ import annotations

import hashlib
import http.client
from dataclasses import dataclass, field
from urllib.parse import urlsplit

READ_CHUNK = 1024 * 1024


@dataclass
class Reply:
    """What a server answered: status, headers, and the body or its digest."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    length: int = 0
    sha256: str = ""


def request(
    url: str,
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    body: bytes | None = None,
    keep_body: bool = True,
) -> Reply:
    """Send one request; keep the body, or only its length and SHA-256 when it is large."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        digest = hashlib.sha256()
        kept: list[bytes] = []
        length = 0
        while chunk := response.read(READ_CHUNK):
            digest.update(chunk)
            length += len(chunk)
            if keep_body:
                kept.append(chunk)
        return Reply(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            body=b"".join(kept),
            length=length,
            sha256=digest.hexdigest(),
        )
    finally:
        conn.close()
