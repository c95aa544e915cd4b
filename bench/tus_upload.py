"""The resumable-upload benchmark, in one command: ``python -m bench tus``.

Uploads a large generated MP4 with tuspy to ``vidstream serve --service upload`` (a
real account and access token, the whole protocol, validation and storage included)
and copies the same file with ``cp`` on the same disk, round by round, so the two
throughputs compare within one run. Each upload gets a fresh server process, whose
worker's peak resident memory (VmHWM) is read after a small and after a large upload.
Figures go to ``bench/out/tus-<time>.json`` and to the ``tus`` section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from tests.support.media import make_large_mp4
from tusclient.client import TusClient

from bench.embedded import embedded_env, vidstream_command
from bench.procs import BenchError, Child, free_port, start, stop, wait_until_listening
from bench.report import load_average, update_section
from bench.tus_report import render_section

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line knobs; the defaults are the documented run."""
    parser = argparse.ArgumentParser(prog="python -m bench tus", description=__doc__)
    add = parser.add_argument
    add("--large-mib", type=int, default=1024, help="size of the large upload")
    add("--small-mib", type=int, default=100, help="size of the small upload")
    add("--chunk-mib", type=int, default=256, help="tuspy's chunk size (one PATCH each)")
    add("--rounds", type=int, default=3, help="how many times to measure everything")
    add("--threads", type=int, default=4, help="gunicorn threads of the one upload worker")
    add("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    return parser.parse_args(argv)


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [vidstream_command(), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"vidstream {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare(data_dir: Path) -> tuple[dict[str, str], str]:
    """A migrated data directory with one account; return its environment and a token."""
    env = embedded_env(data_dir) | {"VIDSTREAM_NEW_PASSWORD": "bench-password-1"}
    _cli(env, "db", "upgrade")
    _cli(env, "users", "create", "bench")
    token = _cli(env, "tokens", "create", "--user", "bench", "--name", "benchmark").strip()
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


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(8 * MIB):
            digest.update(block)
    return digest.hexdigest()


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


def run_rounds(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Generate the files, then per round: cp, the large upload, the small upload."""
    large, small = workdir / "large.mp4", workdir / "small.mp4"
    say(f"writing {args.large_mib} MiB and {args.small_mib} MiB MP4 files")
    make_large_mp4(large, args.large_mib * MIB)
    make_large_mp4(small, args.small_mib * MIB)
    env, token = prepare(workdir / "data")
    before = load_average()
    rounds = []
    for number in range(1, args.rounds + 1):
        copy, durable = time_copy(large, workdir / "data" / "copy.mp4")
        curl = upload_once(workdir, env, token, large, args, client="curl")
        big = upload_once(workdir, env, token, large, args)
        little = upload_once(workdir, env, token, small, args)
        one = {
            "cp_seconds": copy,
            "cp_sync_seconds": durable,
            "curl": curl,
            "large": big,
            "small": little,
        }
        rounds.append(one)
        say(
            f"round {number}: cp {args.large_mib / copy:.0f} MiB/s, tus with curl "
            f"{args.large_mib / curl['seconds']:.0f} MiB/s, with tuspy "
            f"{args.large_mib / big['seconds']:.0f} MiB/s; peak RSS {little['rss_peak_mib']:.0f} "
            f"MiB ({args.small_mib} MiB) / {big['rss_peak_mib']:.0f} MiB ({args.large_mib} MiB)"
        )
    return {"rounds": rounds, "load_average": {"before": before, "after": load_average()}}


def summarise(run: dict[str, Any], args: argparse.Namespace) -> dict[str, float]:
    """Medians over the rounds (throughputs in MiB/s, memory in MiB)."""
    rounds = run["rounds"]
    ratios = [r["cp_seconds"] / r["curl"]["seconds"] for r in rounds]
    return {
        "cp_mib_s": statistics.median(args.large_mib / r["cp_seconds"] for r in rounds),
        "cp_sync_mib_s": statistics.median(args.large_mib / r["cp_sync_seconds"] for r in rounds),
        "tus_mib_s": statistics.median(args.large_mib / r["curl"]["seconds"] for r in rounds),
        "tuspy_mib_s": statistics.median(args.large_mib / r["large"]["seconds"] for r in rounds),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ratio_sync": statistics.median(
            r["cp_sync_seconds"] / r["curl"]["seconds"] for r in rounds
        ),
        "ratio_tuspy": statistics.median(r["cp_seconds"] / r["large"]["seconds"] for r in rounds),
        "ratio_fastest_cp": min(r["cp_seconds"] for r in rounds)
        / statistics.median(r["curl"]["seconds"] for r in rounds),
        "rss_small_mib": statistics.median(r["small"]["rss_peak_mib"] for r in rounds),
        "rss_large_mib": statistics.median(r["large"]["rss_peak_mib"] for r in rounds),
        "rss_idle_mib": statistics.median(r["large"]["rss_before_mib"] for r in rounds),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; write the JSON and the docs section."""
    args = parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="tus-bench-", dir=OUT_DIR) as tmp:
            run = run_rounds(Path(tmp), args)
    except BenchError as error:
        say(f"bench: {error}")
        return 2
    summary = summarise(run, args)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    raw = {"when_utc": stamp, "parameters": vars(args), "summary": summary, **run}
    path = OUT_DIR / f"tus-{stamp}.json"
    path.write_text(json.dumps(raw, indent=2) + "\n")
    say(f"raw figures: {path.relative_to(ROOT)}")
    if not args.no_docs:
        update_section(DOC, "tus", render_section(summary, run, args))
        say(f"table: {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
