"""Direct links to media files, so their bytes need not pass through the application.

Two kinds, both given out only after the usual access check: with S3 storage, a
presigned link from the object store; with ``VIDSTREAM_MEDIA_LINKS`` behind the nginx
gateway, a link to the gateway's signed location, which nginx checks on its own
(``secure_link``: an expiry time and an MD5 over that time, the path and a secret
shared with the gateway) before sending the file. Anyone holding a link may use it
until it expires, so links go only to the video's owner and live minutes, or, inside
a playlist a player fetches once, about as long as watching takes.
"""

from __future__ import annotations

import base64
import hashlib
import time

from vidstream import current

# Links inside a rendition playlist: a player reads it once and then plays for as long
# as the viewer watches, pauses included.
PLAYLIST_LINK_SECONDS = 6 * 3600


def gateway_signature(uri: str, expires_at: int, secret: str) -> str:
    """What nginx's ``secure_link_md5 "$secure_link_expires$uri <secret>"`` computes."""
    # MD5 because nginx's secure_link module uses it (keyed: the secret is part of the
    # hashed text; docs/decisions.md weighs this).
    text = f"{expires_at}{uri} {secret}".encode()
    digest = hashlib.md5(text, usedforsecurity=True).digest()  # noqa: S324
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def gateway_link(prefix: str, key: str, secret: str, expires_at: int) -> str:
    """A link to ``key`` under the gateway's signed location, valid until ``expires_at``."""
    uri = prefix + key
    return f"{uri}?e={expires_at}&s={gateway_signature(uri, expires_at, secret)}"


def media_link(key: str, content_type: str, lifetime: int) -> str | None:
    """A direct link to the stored file ``key`` for ``lifetime`` seconds, or None.

    None means there is no way around the application: it sends the bytes itself (or
    hands them to the gateway with ``X-Accel-Redirect``).
    """
    settings = current.settings()
    if settings.media_links:
        expires_at = int(time.time()) + lifetime
        return gateway_link(settings.media_links, key, settings.media_link_secret, expires_at)
    storage = current.storage()
    return storage.download_url(key, content_type=content_type, expires=lifetime)
