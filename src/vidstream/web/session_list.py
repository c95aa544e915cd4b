"""Each account's list of its signed-in sessions, kept beside them in the session store.

Sessions live in the session store (web/sessions.py), keyed by their id; the cookie
carries that id. For the account page to list them, the store also keeps one index
per account: the ids of the sessions it signed in (a Redis set, or a list in the
embedded store written under an ``flock``). What the list shows (device, address,
first and last seen) is read from each session itself. Ending one session deletes its
entry from the store, so its next request, a page or a media request, finds no
session at once (and a request in flight that saves it again is caught by
:func:`still_listed` within a minute). Ids whose session has expired, was signed out or predates the
account's epoch are dropped from the index whenever it is read or written.

The page never shows a session id: each session is named by a digest of its id.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app, session

from vidstream import current

HANDLE_LENGTH = 20


@dataclass(frozen=True)
class SessionEntry:
    """One signed-in session as the account page lists it."""

    handle: str
    device: str
    address: str
    signed_in_at: int
    seen_at: int
    this_session: bool


def handle_of(sid: str) -> str:
    """The name a session goes by on the page: a digest of its id, never the id."""
    return hashlib.sha256(sid.encode()).hexdigest()[:HANDLE_LENGTH]


def _interface() -> Any:
    return current_app.session_interface


def _index_key(user_id: int) -> str:
    return f"{current.settings().redis_prefix}user-sessions:{user_id}"


def _lifetime() -> int:
    return current.settings().session_lifetime_days * 86400


@contextmanager
def _embedded_index_lock() -> Iterator[None]:
    path = current.settings().data_dir / "sessions.index.lock"
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield


def _ids(user_id: int) -> list[str]:
    client = current.redis()
    if client is not None:
        members = client.smembers(_index_key(user_id))
        return sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
    return list(_interface().cache.get(_index_key(user_id)) or [])


def _change_index(user_id: int, add: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> None:
    client = current.redis()
    key = _index_key(user_id)
    if client is not None:
        with client.pipeline() as pipe:
            if add:
                pipe.sadd(key, *add)
            if drop:
                pipe.srem(key, *drop)
            pipe.expire(key, _lifetime())
            pipe.execute()
        return
    cache = _interface().cache
    with _embedded_index_lock():
        ids = [sid for sid in cache.get(key) or [] if sid not in drop]
        ids += [sid for sid in add if sid not in ids]
        cache.set(key, ids, timeout=_lifetime())


def _stored(sid: str) -> dict[str, Any] | None:
    interface = _interface()
    data = interface._retrieve_session_data(interface._get_store_id(sid))
    return data if isinstance(data, dict) else None


def note_session_started(user_id: int, sid: str) -> None:
    """Add a new session to the account's index (at sign-in)."""
    _change_index(user_id, add=(sid,))


def still_listed(user_id: int, sid: str, data: Any) -> bool:
    """Whether the session is still in its account's index (asked once a minute at most).

    Ending a session deletes it from the store, but a request of that session already
    in flight could save it again; its next once-a-minute check finds it unlisted and
    ends it. A session from before the index existed is added to it instead.
    """
    if not data.get("listed"):
        data["listed"] = True
        _change_index(user_id, add=(sid,))
        return True
    client = current.redis()
    if client is not None:
        return bool(client.sismember(_index_key(user_id), sid))
    return sid in _ids(user_id)


def live_sessions(user_id: int, epoch: int, valid: Any) -> list[SessionEntry]:
    """The account's sessions that are still usable, newest first; stale ids are dropped.

    ``valid(data)`` says whether a stored session is within its lifetimes.
    """
    entries, stale = [], []
    mine = getattr(session, "sid", None)
    for sid in _ids(user_id):
        data = _stored(sid)
        if data is None or data.get("user_id") != user_id or data.get("epoch") != epoch:
            stale.append(sid)
        elif valid(data):
            entries.append(_entry(sid, data, sid == mine))
    if stale:
        _change_index(user_id, drop=tuple(stale))
    return sorted(entries, key=lambda e: (not e.this_session, -e.seen_at))


def _entry(sid: str, data: dict[str, Any], this_session: bool) -> SessionEntry:
    return SessionEntry(
        handle=handle_of(sid),
        device=str(data.get("device") or "Unknown device"),
        address=str(data.get("address") or "unknown"),
        signed_in_at=int(data.get("signed_in_at") or 0),
        seen_at=int(data.get("seen_at") or 0),
        this_session=this_session,
    )


def end_session(user_id: int, handle: str) -> bool:
    """Delete the account's session named ``handle`` from the store; False if none is."""
    for sid in _ids(user_id):
        if handle_of(sid) == handle:
            interface = _interface()
            interface._delete_session(interface._get_store_id(sid))
            _change_index(user_id, drop=(sid,))
            return True
    return False


def end_every_session(user_id: int) -> None:
    """Delete every indexed session of the account from the store (the epoch ends the rest)."""
    ids = _ids(user_id)
    interface = _interface()
    for sid in ids:
        interface._delete_session(interface._get_store_id(sid))
    if ids:
        _change_index(user_id, drop=tuple(ids))
