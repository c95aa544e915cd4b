"""Load generation with wrk; a small Lua ``done`` hook reports the figures as JSON."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.procs import BenchError, Target

MARKER = "BENCH-RESULT "

# wrk calls done() once after the run; latency percentiles are in microseconds.
DONE_HOOK = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %.0f, "bytes": %.0f, "duration_us": %.0f, "p50_us": %.0f, '
    .. '"p99_us": %.0f, "errors": %.0f, "status_errors": %.0f, "timeouts": %.0f}\\n',
    "{marker}", summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """One load shape: how many connections ask for which bytes, for how long."""

    connections: int
    threads: int
    seconds: int
    range_header: str | None = None


@dataclass(frozen=True)
class Measurement:
    """What wrk saw during one run against one target."""

    requests: int
    bytes: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    status_errors: int
    timeouts: int

    @property
    def requests_per_s(self) -> float:
        """Completed responses per second."""
        return self.requests / self.seconds

    @property
    def mb_per_s(self) -> float:
        """Bytes received per second, in MB (10^6 bytes), headers included."""
        return self.bytes / self.seconds / 1e6

    def as_dict(self) -> dict[str, float | int]:
        """The raw figures plus the derived rates, for the JSON output."""
        return {**asdict(self), "requests_per_s": self.requests_per_s, "mb_per_s": self.mb_per_s}


def write_hook(directory: Path) -> Path:
    """Write the Lua hook once; every wrk run uses it."""
    path = directory / "report.lua"
    path.write_text(DONE_HOOK.replace("{marker}", MARKER))
    return path


def run_wrk(wrk: str, hook: Path, target: Target, load: Load) -> Measurement:
    """Run wrk once against ``target`` and return its figures."""
    argv = [wrk, "-t", str(load.threads), "-c", str(load.connections), "-d", f"{load.seconds}s"]
    argv += ["--timeout", "60s", "-s", str(hook)]
    if load.range_header:
        argv += ["-H", f"Range: {load.range_header}"]
    if target.cookie:
        argv += ["-H", f"Cookie: {target.cookie}"]
    done = subprocess.run(
        [*argv, target.url], capture_output=True, text=True, timeout=load.seconds + 90, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed against {target.label}:\n{done.stdout}{done.stderr}")
    raw = json.loads(line.removeprefix(MARKER))
    return Measurement(
        requests=int(raw["requests"]),
        bytes=int(raw["bytes"]),
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1e3,
        p99_ms=raw["p99_us"] / 1e3,
        errors=int(raw["errors"]),
        status_errors=int(raw["status_errors"]),
        timeouts=int(raw["timeouts"]),
    )
