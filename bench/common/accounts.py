"""Accounts, sign-ins and videos for the benchmarks, made the way a user or admin would.

Accounts and tokens are made by the code behind ``vidstream users|tokens create``; a
session comes from signing in over HTTP like a browser; a large file becomes a video
the way the stream tests register huge files (a row plus a hard link into storage),
since the benchmarks measure serving, not the upload path.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Sequence
from http.cookiejar import CookieJar
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from tests.support.videos import add_raw_video

from bench.common.procs import BenchError
from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.tokens import create_token


def add_accounts(app: Flask, usernames: Sequence[str], password: str) -> None:
    """New accounts, made by the same code as ``vidstream users create``."""
    with app.app_context():
        for username in usernames:
            create_user(username, password)
        db.engine.dispose()


def add_tokens(app: Flask, usernames: Sequence[str]) -> list[str]:
    """One personal access token per account, as ``vidstream tokens create`` makes them."""
    secrets = []
    with app.app_context():
        for username in usernames:
            owner = db.session.scalars(select(User).where(User.username == username)).one()
            secrets.append(create_token(owner.id, "benchmark")[1])
        db.engine.dispose()
    return secrets


def sign_in(base_url: str, username: str, password: str) -> str:
    """Sign in through the sign-in page as a browser would; return the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    with opener.open(f"{base_url}/api/session", timeout=30) as reply:
        token = json.load(reply)["csrf_token"]
    form = {"username": username, "password": password, "csrf_token": token}
    with opener.open(
        f"{base_url}/signin", data=urllib.parse.urlencode(form).encode(), timeout=30
    ) as reply:
        reply.read()
    with opener.open(f"{base_url}/api/session", timeout=30) as reply:
        if json.load(reply).get("user") is None:
            raise BenchError(f"signing in as {username} did not start a session")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def register_file(app: Flask, username: str, path: Path) -> str:
    """Make ``path`` a ready video of ``username`` (hard-linked, not copied); its id."""
    public_id = add_raw_video(app, username, path)
    with app.app_context():
        db.engine.dispose()
    return public_id


def _owner_call(base_url: str, cookie: str, method: str, path: str, body: object) -> object:
    """A JSON API call with the owner's session (and its CSRF token, as the pages send it)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    # Both requests go to an http:// URL of the server the benchmark started.
    asked = urllib.request.Request(f"{base_url}/api/session", headers={"Cookie": cookie})  # noqa: S310
    with opener.open(asked, timeout=30) as reply:
        token = json.load(reply)["csrf_token"]
    headers = {"Cookie": cookie, "X-CSRFToken": token, "Content-Type": "application/json"}
    call = urllib.request.Request(  # noqa: S310
        base_url + path, data=json.dumps(body).encode(), headers=headers, method=method
    )
    with opener.open(call, timeout=30) as reply:
        return json.load(reply)


def open_share_link(base_url: str, cookie: str, public_id: str) -> str:
    """Share the video by link as its owner, open the link as a viewer with no account,
    and return the URL its page gives the player for the original (``/s/<token>/m/<grant>/``).
    """
    _owner_call(base_url, cookie, "PATCH", f"/api/videos/{public_id}", {"visibility": "unlisted"})
    made = _owner_call(base_url, cookie, "POST", f"/api/videos/{public_id}/shares", {})
    link = str(made["share"]["url"])  # type: ignore[index]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(base_url + "/s/" + link.split("/s/", 1)[1], timeout=30) as reply:
        page = reply.read().decode()
    found = re.search(r'data-mp4="([^"]+)"', page)
    if found is None:
        raise BenchError("the share link's page gave no media URL")
    return base_url + html.unescape(found.group(1))
