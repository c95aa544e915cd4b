"""Accounts, sign-ins and videos for the benchmarks, made the way a user or admin would.

Accounts and tokens are made by the code behind ``vidstream users|tokens create``; a
session comes from signing in over HTTP like a browser; a large file becomes a video
the way the stream tests register huge files (a row plus a hard link into storage),
since the benchmarks measure serving, not the upload path.
"""

from __future__ import annotations

import json
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
