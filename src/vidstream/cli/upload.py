"""``vidstream upload``: send files to a vidstream server over tus, resuming where they stopped.

The upload URL of each unfinished file is remembered in a small JSON file in the
user's cache directory, keyed by server, path, size and modification time, so running
the same command again continues an interrupted upload instead of starting over.
"""

from __future__ import annotations

import json
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import click
import requests
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader.uploader import Uploader

MIB = 1024 * 1024


def state_file() -> Path:
    """Where unfinished uploads are remembered (``$XDG_CACHE_HOME/vidstream/uploads.json``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vidstream" / "uploads.json"


class ResumeStore:
    """Upload URLs of unfinished files, saved after every change (atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError):
            loaded = {}
        self.urls: dict[str, str] = loaded if isinstance(loaded, dict) else {}

    @staticmethod
    def key(server: str, file: Path) -> str:
        """What identifies one version of one file sent to one server."""
        info = file.stat()
        return f"{server}|{file.resolve()}|{info.st_size}|{info.st_mtime_ns}"

    def get(self, key: str) -> str | None:
        """The remembered upload URL, if any."""
        return self.urls.get(key)

    def put(self, key: str, url: str | None) -> None:
        """Remember ``url`` for ``key`` (or forget the key when ``url`` is None)."""
        if url is None:
            self.urls.pop(key, None)
        else:
            self.urls[key] = url
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".uploads-")
        with os.fdopen(fd, "w") as out:
            json.dump(self.urls, out, indent=1)
        os.replace(tmp, self.path)


def _error_message(error: TusCommunicationError) -> str:
    """The server's own explanation of a refusal, if it sent one."""
    try:
        body = json.loads(error.response_content or b"")
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return str(error) if error.status_code is None else f"HTTP {error.status_code}"


def _uploader(
    client: TusClient, store: ResumeStore, key: str, file: Path, options: dict[str, Any]
) -> Uploader:
    """An uploader that continues the remembered upload, or a new one if there is none."""
    url = store.get(key)
    common: dict[str, Any] = {"file_path": str(file), **options}
    if url is not None:
        try:
            return client.uploader(url=url, **common)
        except TusCommunicationError as error:
            if error.status_code not in (404, 410):
                raise
            store.put(key, None)
    filetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    uploader = client.uploader(metadata={"filename": file.name, "filetype": filetype}, **common)
    uploader.set_url(uploader.create_url())
    store.put(key, uploader.url)
    return uploader


def _video_headers(uploader: Uploader, headers: dict[str, str]) -> dict[str, str]:
    """The headers that name the finished video (asked for again if no chunk was sent now)."""
    if uploader.request is not None and uploader.request.response_headers:
        found: dict[str, str] = uploader.request.response_headers
        if "upload-video-id" in found:
            return found
    answer = requests.head(
        str(uploader.url), headers={"Tus-Resumable": "1.0.0", **headers}, timeout=30
    )
    return {k.lower(): v for k, v in answer.headers.items()}


def upload_file(
    client: TusClient, store: ResumeStore, server: str, file: Path, options: dict[str, Any]
) -> str:
    """Upload one file with a progress bar; return the URL of the video it became.

    ``options`` go to tuspy's uploader (``chunk_size``, ``retries``, ``retry_delay``).
    """
    key = ResumeStore.key(server, file)
    uploader = _uploader(client, store, key, file, options)
    size = file.stat().st_size
    if uploader.offset:
        click.echo(f"{file.name}: resuming at {uploader.offset / MIB:.1f} MiB", err=True)
    with click.progressbar(length=size, label=file.name, show_pos=False) as bar:
        bar.update(uploader.offset)
        while uploader.offset < size:
            before = uploader.offset
            # tuspy leaves upload_chunk unannotated.
            uploader.upload_chunk()  # type: ignore[no-untyped-call]
            bar.update(uploader.offset - before)
    store.put(key, None)
    found = _video_headers(uploader, client.headers)
    return urljoin(server + "/", found.get("upload-video-url", "")) or server


@click.command("upload")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--server", envvar="VIDSTREAM_SERVER", required=True, help="e.g. http://host:5001")
@click.option("--token", envvar="VIDSTREAM_TOKEN", required=True, help="A personal access token.")
@click.option("--chunk-mib", default=16, show_default=True, type=click.IntRange(1, 1024))
@click.option("--retries", default=5, show_default=True, type=click.IntRange(0), help="Per chunk.")
def upload(files: tuple[Path, ...], server: str, token: str, chunk_mib: int, retries: int) -> None:
    """Upload video FILES; run the same command again to resume an interrupted upload."""
    server = server.rstrip("/")
    client = TusClient(f"{server}/api/uploads/", headers={"Authorization": f"Bearer {token}"})
    store = ResumeStore(state_file())
    options = {"chunk_size": chunk_mib * MIB, "retries": retries, "retry_delay": 3}
    failed = 0
    for file in files:
        try:
            url = upload_file(client, store, server, file, options)
        except TusCommunicationError as error:
            failed += 1
            if error.status_code is not None and 400 <= error.status_code < 500:
                store.put(ResumeStore.key(server, file), None)
                click.echo(f"{file.name}: refused: {_error_message(error)}", err=True)
            else:
                click.echo(
                    f"{file.name}: interrupted ({_error_message(error)}); "
                    "run the same command again to resume",
                    err=True,
                )
            continue
        click.echo(f"{file.name}: uploaded: {url}")
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} file(s) did not upload")
