"""One tus upload against a fresh upload server, and the copy it is compared with.

Each upload gets a fresh ``vidstream serve --service upload`` (one gunicorn worker,
no job worker), whose worker's peak resident memory (VmHWM) is read before and after;
the stored file is checked against the source's SHA-256.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

import requests
from tusclient.client import TusClient

from bench.common.files import MIB, sha256
from bench.common.procs import (
    BenchError,
    Child,
    embedded_env,
    free_port,
    start,
    stop,
    vidstream_cli,
    vidstream_command,
    wait_until_listening,
)


def prepare(data_dir: Path) -> tuple[dict[str, str], str]:
    """A migrated data directory with one account; return its environment and a token."""
    env = embedded_env(data_dir) | {"VIDSTREAM_NEW_PASSWORD": "bench-password-1"}
    vidstream_cli(env, "db", "upgrade")
    vidstream_cli(env, "users", "create", "bench")
    token = vidstream_cli(env, "tokens", "create", "--user", "bench", "--name", "benchmark").strip()
    return env, token


def start_upload_server(workdir: Path, env: dict[str, str], threads: int) -> tuple[Child, int]:
    """One gunicorn worker serving only the upload service, without a job worker beside it."""
    port = free_port()
    argv = [vidstream_command(), "serve", "--service", "upload", "--port", str(port)]
    argv += ["--workers", "1", "--threads", str(threads), "--no-worker"]
    child = start("upload", argv, workdir / f"upload-{port}.log", env=env)
    try:
        wait_until_listening(child, port)
    except BenchError:
        stop(child)
        raise
    return child, port


def worker_pid(child: Child) -> int:
    """The gunicorn worker (the process that receives the bytes) under the master."""
    master = child.popen.pid
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise BenchError("the upload server started no worker")


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for process {pid}")


def time_copy(source: Path, target: Path) -> tuple[float, float]:
    """Seconds ``cp`` takes to copy ``source``, and until the copy is also on disk (sync)."""
    os.sync()
    began = time.perf_counter()
    subprocess.run(["cp", str(source), str(target)], check=True)
    copied = time.perf_counter() - began
    os.sync()
    durable = time.perf_counter() - began
    target.unlink()
    os.sync()
    return copied, durable


def time_upload(port: int, token: str, source: Path, chunk_mib: int) -> tuple[float, str]:
    """Seconds a tuspy upload takes, from creation to the accepted video; and its id."""
    os.sync()
    client = TusClient(
        f"http://127.0.0.1:{port}/api/uploads/", headers={"Authorization": f"Bearer {token}"}
    )
    began = time.perf_counter()
    uploader = client.uploader(
        file_path=str(source), chunk_size=chunk_mib * MIB, metadata={"filename": source.name}
    )
    uploader.upload()
    elapsed = time.perf_counter() - began
    video_id = uploader.request.response_headers.get("upload-video-id")
    if not video_id:
        raise BenchError("the upload finished without a video id")
    return elapsed, str(video_id)


def time_upload_curl(port: int, token: str, source: Path) -> tuple[float, str]:
    """Seconds a tus upload takes with curl sending the whole file in one PATCH; its id.

    curl streams the file from disk with little work of its own, so the time is the
    server's; tuspy (above) reads each chunk into Python and sends it from there.
    """
    os.sync()
    headers = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    base = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    created = requests.post(
        f"{base}/api/uploads/",
        headers={**headers, "Upload-Length": str(source.stat().st_size)},
        timeout=30,
    )
    if created.status_code != 201:
        raise BenchError(f"tus creation answered {created.status_code}: {created.text}")
    argv = ["curl", "--silent", "--show-error", "--request", "PATCH", "--upload-file"]
    argv += [str(source), "--output", "/dev/null", "--dump-header", "-"]
    for name, value in {**headers, "Upload-Offset": "0", "Expect": ""}.items():
        argv += ["--header", f"{name}: {value}"]
    argv += ["--header", "Content-Type: application/offset+octet-stream"]
    done = subprocess.run([*argv, base + created.headers["Location"]], capture_output=True,
                          text=True, check=False)  # fmt: skip
    elapsed = time.perf_counter() - began
    found = [line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
             if line.lower().startswith("upload-video-id:")]  # fmt: skip
    if done.returncode != 0 or not found:
        raise BenchError(f"the curl upload failed: {done.stdout}{done.stderr}")
    return elapsed, found[0]


def upload_once(
    workdir: Path,
    env: dict[str, str],
    token: str,
    source: Path,
    args: argparse.Namespace,
    client: str = "tuspy",
) -> dict[str, float]:
    """Upload ``source`` to a fresh server; check the stored bytes; measure time and memory."""
    child, port = start_upload_server(workdir, env, args.threads)
    try:
        worker = worker_pid(child)
        before = peak_rss_mib(worker)
        if client == "curl":
            seconds, video_id = time_upload_curl(port, token, source)
        else:
            seconds, video_id = time_upload(port, token, source, args.chunk_mib)
        peak = peak_rss_mib(worker)
    finally:
        stop(child)
    stored = Path(env["VIDSTREAM_DATA_DIR"]) / "media" / "videos" / video_id / "original.mp4"
    if stored.stat().st_size != source.stat().st_size or sha256(stored) != sha256(source):
        raise BenchError(f"the stored copy of {source.name} differs from the source")
    shutil.rmtree(stored.parent)
    return {"seconds": seconds, "rss_before_mib": before, "rss_peak_mib": peak}
