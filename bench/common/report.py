"""What every benchmark writes: progress, machine facts, the raw JSON, its docs section.

A benchmark's report code computes figures and tables; the prose around them lives in
a template beside it (``report.md.tmpl``, ``string.Template`` placeholders), which
:func:`render` fills in.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from string import Template
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def utc_stamp() -> str:
    """When a run finished, for the names of its files: ``20250102-030405``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())


def render(template: Path, **fields: object) -> str:
    """The template filled in; a placeholder without a value is an error, not a gap."""
    return Template(template.read_text()).substitute(fields).strip()


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


def write_json(name: str, stamp: str, results: dict[str, Any]) -> Path:
    """Write the raw figures to ``bench/out/<name>-<stamp>.json``; say where."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    say(f"raw figures: {path.relative_to(ROOT)}")
    return path


DOC_HEADER = """\
# Benchmarks

Each section below is written by a benchmark in `bench/` and replaced, between its
markers, every time that benchmark runs. Figures depend on the machine and on what
else it was doing; ratios measured in the same run are what compare.
[bench/README.md](../bench/README.md) lists the benchmarks, what each needs and how
long it takes.
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
