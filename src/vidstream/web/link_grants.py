"""Grants: the proof, carried in media URLs, that a share link was opened properly.

Opening a share link's page (after its password, when it has one, and counted as a
view) hands the browser a grant: a signed, timestamped value naming the share. Every
media URL of that page carries it (``/s/<token>/m/<grant>/...``), so the bytes are
authorised without cookies (embeds in other sites' frames get none) and a player or
ffmpeg that has the page's URLs has all it needs. Holding the link alone is not
enough to fetch bytes of a password-protected or view-limited link.

A grant is only half of the check: every request also looks the share up, so a
revoked or expired link stops at once whatever grants are out. A grant expires after
:data:`GRANT_SECONDS`; the player then asks for a fresh one with the old one, which
is accepted for :data:`RENEW_SECONDS` after it was made.
"""

from __future__ import annotations

import functools
import time

from itsdangerous import BadSignature, URLSafeTimedSerializer

from vidstream import current

GRANT_SECONDS = 4 * 3600
RENEW_SECONDS = 24 * 3600
_SALT = "vidstream.share-grant"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current.settings().secret_key, salt=_SALT)


def make_grant(share_public_id: str) -> str:
    """A grant for the share ``share_public_id``, good for :data:`GRANT_SECONDS`."""
    return str(_serializer().dumps(share_public_id))


def grant_names(grant: str, share_public_id: str, *, max_age: int = GRANT_SECONDS) -> bool:
    """Whether ``grant`` was made by us for ``share_public_id`` within ``max_age`` seconds.

    A player sends the same grant with every segment, so each process remembers the
    grants whose signature it has checked (what they name and when they were made);
    their age is judged on every call.
    """
    checked = _signed(grant, current.settings().secret_key)
    if checked is None:
        return False
    named, made = checked
    age = int(time.time()) - made
    return named == share_public_id and 0 <= age <= max_age


@functools.lru_cache(maxsize=4096)
def _signed(grant: str, secret_key: str) -> tuple[object, int] | None:
    """What a grant with a good signature names and when it was made; None if forged."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        named, made = serializer.loads(grant, return_timestamp=True)
    except BadSignature:
        return None
    return named, int(made.timestamp())
