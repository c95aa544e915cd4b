"""Results: machine facts, the raw JSON, and the section in docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any


def _first_line(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).strip().splitlines()[0] if done.stdout + done.stderr else ""


def _proc_value(path: str, key: str) -> str:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return "unknown"
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), "unknown")


def load_average() -> str:
    """The 1-minute load average, to show how busy the machine was."""
    return f"{os.getloadavg()[0]:.2f}"


def machine_facts(nginx: str, wrk: str) -> dict[str, str]:
    """What the figures were measured on."""
    mem_kib = _proc_value("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu": _proc_value("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "memory": f"{int(mem_kib) / 1024**2:.1f} GiB" if mem_kib.isdigit() else mem_kib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gunicorn": metadata.version("gunicorn"),
        "flask": metadata.version("flask"),
        "nginx": _first_line([nginx, "-v"]).removeprefix("nginx version: "),
        "wrk": _first_line([wrk, "-v"]).split(" [")[0],  # "wrk debian/4.1.0-3+b2"
    }


def write_json(out_dir: Path, stamp: str, results: dict[str, Any]) -> Path:
    """Write the raw figures to ``out_dir/range-<stamp>.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"range-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


DOC_HEADER = """\
# Benchmarks

Each section below is written by a benchmark in `bench/` and replaced, between its
markers, every time that benchmark runs. Figures depend on the machine and on what
else it was doing; ratios measured in the same run are what compare.
"""


def update_section(doc: Path, name: str, body: str) -> None:
    """Replace the text between ``<!-- bench:NAME:start/end -->``, or append the section."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = doc.read_text() if doc.exists() else DOC_HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


MEANING = [
    "What the numbers mean: nginx is the ceiling, with no application code between the "
    "request and a `sendfile()` from the page cache. vidstream's range path ends in the "
    "same `sendfile()` (no byte of the video passes through Python and nothing before "
    "the offset is read), so its distance from nginx is the fixed cost of each request "
    "in Python: gunicorn parsing it, Flask dispatching it, the session loaded from the "
    "embedded store, the SQLite lookup of the access check, and the threads of a worker "
    "taking turns on the GIL. The naive view pays most of that too, then reads "
    "everything before the offset and copies every byte it sends through Python, so its "
    "range rate falls as the offset grows. For whole-file reads the per-request cost "
    "vanishes and all three are bounded by the loopback and by wrk receiving on the same "
    "cores, which is why they come close there and why those figures move most when "
    "the machine is busy.",
]


def _settings_lines(facts: dict[str, str], args: Any, run: dict[str, Any]) -> list[str]:
    loads = run["loads"]
    full, rng = loads["full"], loads["range"]
    return [
        f"- Machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory']} RAM, "
        f"Linux {facts['kernel']}; 1-minute load average {run['load_average']['before']} "
        f"before the rounds and {run['load_average']['after']} after them.",
        f"- Software: Python {facts['python']}, gunicorn {facts['gunicorn']}, "
        f"Flask {facts['flask']}, {facts['nginx']}, {facts['wrk']}.",
        f"- gunicorn (vidstream and the naive app alike): gthread, {args.workers} workers x "
        f"{args.threads} threads, keep-alive 5 s, sendfile allowed (its default), no access log.",
        f"- nginx: {args.workers} worker processes, `sendfile on`, `tcp_nopush on`, no access log.",
        f"- File: {args.size_mib} MiB of random bytes. Whole-file load: GET of the whole file, "
        f"{full.connections} connections. Range load: `Range: {rng.range_header}` "
        f"({args.range_kib} KiB at {args.offset_mib} MiB), {rng.connections} connections. "
        f"wrk uses {full.threads} threads; every run is {args.warmup} s of warm-up, "
        f"then {args.seconds} s measured; {args.rounds} round(s), each measuring every server.",
    ]


def render_section(
    facts: dict[str, str],
    args: Any,
    run: dict[str, Any],
    results: str,
    per_round: str,
    share: float,
) -> str:
    """The docs section for this benchmark."""
    issues = run["issues"]
    warning = (
        ["", "**wrk reported problems in this run:** " + "; ".join(issues) + "."] if issues else []
    )
    lines = [
        "## Serving bytes: vidstream, nginx and a naive Flask view",
        "",
        "One command serves the same file from three servers on 127.0.0.1 and loads each "
        "with wrk, after checking that each one returns the file and the range byte for byte:",
        "",
        "- **nginx (sendfile)** serves the file itself: the upper limit.",
        "- **vidstream serve (embedded)** is the real `vidstream serve` with all three "
        "services, on a fresh SQLite data directory migrated by `vidstream db upgrade`. "
        "The file is a video of an account the benchmark signs in to over HTTP; every "
        "request carries that session cookie, so it loads the session and passes the "
        "ownership check before `ranges.serve_file` hands the window to gunicorn's "
        "`sendfile()`. A request without the cookie is checked to get no bytes.",
        "- **naive Flask generator** (`bench/naive_app.py`) yields the file from a "
        "generator in 64 KiB reads; for a range it reads from byte 0 and drops every byte "
        "before the offset. Same gunicorn settings as vidstream, so the difference is "
        "the code path.",
        "",
        "Reproduce with `.venv/bin/python -m bench` (it needs `apt-get install nginx wrk`; "
        "`--help` lists the knobs). Raw figures go to `bench/out/range-<time>.json`.",
        "",
        *_settings_lines(facts, args, run),
        "",
        results,
        "",
        "Medians over the rounds, lowest-highest in brackets. MB/s counts 10^6 bytes "
        "received per second (headers included); latencies are wrk's. Ratios to nginx "
        "are taken within each round, then the median is shown.",
        "",
        "1 MiB range requests per second, round by round:",
        "",
        per_round,
        *warning,
        "",
        f"vidstream's range rate was **{share:.2f}x** nginx's (target: at least 0.2x).",
        "",
        *MEANING,
    ]
    return "\n".join(lines)
