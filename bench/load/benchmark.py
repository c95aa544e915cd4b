"""``python -m bench load``: 200 viewers and 10 uploaders against one ``vidstream serve``.

Many signed-in viewers ask a freshly started ``vidstream serve`` (default settings)
for random ranges of a few videos, with wrk, while a few uploaders send files with
tuspy in a loop, for one minute. Every failed request counts: a socket error, a
timeout, an error status, and, for viewers, any answer but a 200 or 206 with the
bytes asked for (a redirect included: wrk checks every body). Run on the embedded
stores and, when reachable, on MariaDB/MySQL + Redis. Figures go to
``bench/out/load-<time>.json``, the ``load`` section of ``docs/benchmarks.md`` and the
Load section of ``docs/reliability.md``; the exit status is 1 when any request failed.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.support.media import make_large_mp4

from bench.common.benchmark import FAILED, PASSED, Benchmark
from bench.common.fetch import request
from bench.common.files import MIB
from bench.common.procs import BenchError, Target, find_tools
from bench.common.report import (
    DOC,
    ROOT,
    load_average,
    machine_facts,
    say,
    update_section,
    utc_stamp,
    write_json,
)
from bench.common.wrk import Body, Load, Spec, run_wrk, write_script
from bench.load.report import render_reliability, render_section, upload_figures, viewer_failures
from bench.load.setup import Site, Unreachable, start_site
from bench.load.uploads import UploadPlan, finish_uploaders, start_uploaders

RELIABILITY = ROOT / "docs" / "reliability.md"
MODES = ("embedded", "external")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line knobs; the defaults are the documented run."""
    add = parser.add_argument
    add("--viewers", type=int, default=200, help="concurrent viewer connections (wrk)")
    add("--videos", type=int, default=4, help="viewer accounts, one video each")
    add("--video-mib", type=int, default=64, help="size of each video")
    add("--min-kib", type=int, default=128, help="shortest range asked for")
    add("--max-kib", type=int, default=1024, help="longest range asked for")
    add("--uploaders", type=int, default=10, help="concurrent uploaders, one account each")
    add("--upload-mib", type=int, default=64, help="size of each uploaded file")
    add("--chunk-mib", type=int, default=8, help="bytes per PATCH")
    add("--seconds", type=int, default=60, help="length of the run")
    add("--modes", default=",".join(MODES), help="embedded and/or external (MariaDB + Redis)")
    add("--mysql-url", default="mysql+pymysql://root@127.0.0.1:3306/", help="for external")
    add("--redis-url", default="redis://127.0.0.1:6379/0", help="for external")


def check(args: argparse.Namespace) -> str | None:
    """Known modes and ranges that fit the videos; sets ``args.mode_list``."""
    args.mode_list = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.mode_list or any(m not in MODES for m in args.mode_list):
        return f"--modes takes {' and/or '.join(MODES)}"
    if not 0 < args.min_kib <= args.max_kib <= args.video_mib * 1024:
        return "ranges must be 0 < --min-kib <= --max-kib <= the video size"
    return None


def viewer_script(site: Site, args: argparse.Namespace, path: Path) -> Path:
    """4096 requests drawn once: a random viewer, its video, a random range of it.

    The script is checked: every answer must be a 200 or 206 with the bytes asked for.
    """
    rng = random.Random(2024)
    specs = []
    for _ in range(4096):
        viewer = rng.choice(site.viewers)
        length = rng.randint(args.min_kib, args.max_kib) * 1024
        first = rng.randrange(0, viewer.source.stat().st_size - length + 1)
        headers = {"Cookie": viewer.cookie, "Range": f"bytes={first}-{first + length - 1}"}
        body = Body.of(viewer.source, first, length)
        specs.append(Spec(f"/media/{viewer.video_id}/original.mp4", headers, body))
    return write_script(path, specs, checked=True)


def check_site(site: Site) -> None:
    """Each viewer gets its own video's bytes, and a 404 for another viewer's."""
    for number, viewer in enumerate(site.viewers):
        with open(viewer.source, "rb") as fh:
            fh.seek(1000)
            wanted = fh.read(5000)
        url = f"{site.base_url}/media/{viewer.video_id}/original.mp4"
        reply = request(url, {"Cookie": viewer.cookie, "Range": "bytes=1000-5999"})
        if reply.status != 206 or reply.body != wanted:
            raise BenchError(f"a viewer got {reply.status} and other bytes for its video")
        other = site.viewers[(number + 1) % len(site.viewers)]
        if other is not viewer:
            stranger = request(url, {"Cookie": other.cookie, "Range": "bytes=0-99"})
            if stranger.status != 404:
                raise BenchError(f"another viewer's video answered {stranger.status}")


# gunicorn's "[ERROR]", the app's "ERROR name: ...", Celery's "ERROR/ForkPoolWorker-1".
LOGGED_ERROR = re.compile(
    r"\[(ERROR|CRITICAL)\]|^(ERROR|CRITICAL) |(ERROR|CRITICAL)/", re.MULTILINE
)


def errors_logged(log: Path) -> int:
    """How many errors the server (and its job worker) logged."""
    return len(LOGGED_ERROR.findall(log.read_text(errors="replace")))


def run_mode(mode: str, args: argparse.Namespace, wrk: str, upload: Path) -> dict[str, Any]:
    """Start a fresh site, check it, load it for ``--seconds``; every process is stopped."""
    with tempfile.TemporaryDirectory(prefix=f"vidstream-load-{mode}-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        say(f"{mode}: preparing {args.videos} videos and {args.uploaders} uploaders")
        site = start_site(stack, workdir, mode, args)
        check_site(site)
        script = viewer_script(site, args, workdir / "viewers.lua")
        deadline = time.monotonic() + args.seconds
        plan = UploadPlan(site.base_url, upload, args.chunk_mib * MIB, deadline)
        say(f"{mode}: {args.viewers} viewers and {args.uploaders} uploaders for {args.seconds} s")
        before = load_average()
        uploaders = start_uploaders(plan, site.tokens)
        target = Target(mode, f"viewers ({mode})", site.base_url + "/")
        viewers = run_wrk(wrk, script, target, Load(args.viewers, 2, args.seconds))
        tallies = finish_uploaders(uploaders)
        return {
            "mode": mode,
            "viewers": viewers.as_dict(),
            "uploads": [asdict(tally) for tally in tallies],
            "errors_logged": errors_logged(site.log),
            "load_average": {"before": before, "after": load_average()},
        }


def publish(args: argparse.Namespace, facts: dict[str, str], results: list[dict[str, Any]]) -> None:
    """Write the JSON and, unless told not to, both docs sections."""
    stamp = utc_stamp()
    raw = {"when_utc": stamp, "machine": facts, "parameters": vars(args), "modes": results}
    write_json("load", stamp, raw)
    if not args.no_docs:
        update_section(DOC, "load", render_section(facts, args, results))
        update_section(RELIABILITY, "load", render_reliability(args, results))
        say(f"tables: {DOC.name}, {RELIABILITY.name}")


def run_modes(args: argparse.Namespace, wrk: str) -> list[dict[str, Any]]:
    """Every mode in turn, with the same upload file; a mode that cannot be reached is skipped."""
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="vidstream-load-") as tmp:
        upload = make_large_mp4(Path(tmp) / "upload.mp4", args.upload_mib * MIB)
        for mode in args.mode_list:
            try:
                results.append(run_mode(mode, args, wrk, upload))
            except Unreachable as error:
                say(f"external: skipped ({error})")
                results.append({"mode": mode, "skipped": str(error)})
    return results


def run(args: argparse.Namespace) -> int:
    """Run every mode and publish; FAILED when any request failed."""
    nginx, wrk = find_tools()
    results = run_modes(args, wrk)
    publish(args, machine_facts(nginx, wrk), results)
    ran = [r for r in results if "skipped" not in r]
    failed = sum(viewer_failures(r) + upload_figures(r, args.seconds)["errors"] for r in ran)
    say(f"failed requests: {failed:.0f}")
    return FAILED if failed else PASSED


BENCHMARK = Benchmark(
    name="load",
    summary="200 viewers and 10 tus uploaders for 60 s: failed requests and latencies",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
    check=check,
)
