"""Load generation with wrk, and the Lua scripts it runs (in ``lua/`` beside this file).

A script's requests are drawn in Python and written into it as a table; each wrk
thread formats them once and then picks one at random per request, so the load
generator spends its time on the network, not on building requests. Every script
ends with a ``done`` hook that reports the figures as one JSON line.

A *checked* script also defines wrk's ``response()`` hook, which counts every answer
that is not a 200 or 206 with the body its request asked for: redirects and other
statuses wrk does not count as errors, wrong lengths and wrong bytes. wrk then copies
every body into Lua, which halves its throughput on large bodies, so the benchmarks
check the runs before their measured runs and, in the measured runs, compare the
bytes received with the bodies asked for (:func:`short_answers`).
"""

from __future__ import annotations

import json
import math
import re
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.common.procs import BenchError, Target

MARKER = "BENCH-RESULT "
LUA = Path(__file__).resolve().parent / "lua"
# Bytes compared at each probe of a checked body.
PROBE_BYTES = 16
# What may appear inside a Lua string literal here: printable ASCII without quotes
# or backslashes (paths, cookies, tokens and Range values all fit).
_SAFE = re.compile(r"[\x20-\x7e]*")


@dataclass(frozen=True)
class Load:
    """One load shape: how many connections ask for which bytes, for how long."""

    connections: int
    threads: int
    seconds: int
    range_header: str | None = None


@dataclass(frozen=True)
class Body:
    """The body a request must get: its length, and bytes at a few offsets of it."""

    length: int
    probes: tuple[tuple[int, bytes], ...] = ()

    @classmethod
    def of(cls, path: Path, first: int, length: int) -> Body:
        """``length`` bytes of ``path`` from ``first``: probed at its start, middle and end."""
        offsets = sorted({0, max(0, length // 2 - PROBE_BYTES), max(0, length - PROBE_BYTES)})
        probes = []
        with open(path, "rb") as fh:
            for offset in offsets:
                fh.seek(first + offset)
                probes.append((offset, fh.read(min(PROBE_BYTES, length - offset))))
        return cls(length, tuple(probes))


@dataclass(frozen=True)
class Spec:
    """One request wrk may send: a path, its headers and, for checked runs, its body."""

    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Body | None = None


@dataclass(frozen=True)
class Measurement:
    """What wrk saw during one run against one target.

    ``status_errors`` are wrk's own count (statuses from 400 up); ``other_statuses``
    and ``wrong_bodies`` are counted only by checked scripts.
    """

    requests: int
    bytes: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    status_errors: int
    timeouts: int
    other_statuses: int = 0
    wrong_bodies: int = 0

    @property
    def requests_per_s(self) -> float:
        """Completed responses per second."""
        return self.requests / self.seconds

    @property
    def mb_per_s(self) -> float:
        """Bytes received per second, in MB (10^6 bytes), headers included."""
        return self.bytes / self.seconds / 1e6

    @property
    def failures(self) -> int:
        """Socket errors, timeouts, error statuses, other statuses and wrong bodies."""
        counted = (self.errors, self.timeouts, self.status_errors, self.other_statuses)
        return sum(counted) + self.wrong_bodies

    def describe_failures(self) -> str:
        """The failures in words, for warnings."""
        return (
            f"{self.errors} socket errors, {self.timeouts} timeouts, {self.status_errors} "
            f"error statuses, {self.other_statuses} redirects or other statuses, "
            f"{self.wrong_bodies} wrong bodies"
        )

    def as_dict(self) -> dict[str, float | int]:
        """The raw figures plus the derived rates, for the JSON output."""
        return {**asdict(self), "requests_per_s": self.requests_per_s, "mb_per_s": self.mb_per_s}


def short_answers(m: Measurement, lengths: Sequence[int]) -> int:
    """About how many answers of an unchecked run came without their body; 0 if none.

    Each request asks for one of ``lengths`` at random, so the bytes received must
    reach ``requests`` times their mean (headers and the replies cut off at the end
    only add to it); the slack is four standard errors of that mean, so that a run of
    equal lengths is held to the exact figure.
    """
    if not lengths or not m.requests:
        return 0
    mean = statistics.fmean(lengths)
    slack = 4 * statistics.pstdev(lengths) / math.sqrt(m.requests)
    missing = m.requests * (mean - slack) - m.bytes
    return max(0, math.ceil(missing / mean))


def lua_string(value: str) -> str:
    """``value`` as a Lua string literal; anything but plain printable ASCII is refused."""
    if not _SAFE.fullmatch(value) or '"' in value or "\\" in value:
        raise ValueError(f"not a plain header or path value: {value!r}")
    return f'"{value}"'


def lua_bytes(value: bytes) -> str:
    """Any bytes as a Lua string literal, every byte a decimal escape."""
    return '"' + "".join(f"\\{byte:03d}" for byte in value) + '"'


def _spec_table(specs: Sequence[Spec]) -> str:
    rows = []
    for spec in specs:
        headers = ", ".join(
            f"[{lua_string(name)}] = {lua_string(value)}" for name, value in spec.headers.items()
        )
        rows.append(f"  {{path = {lua_string(spec.path)}, headers = {{{headers}}}}},")
    return "local specs = {\n" + "\n".join(rows) + "\n}\n"


def _body_table(specs: Sequence[Spec]) -> str:
    by_length: dict[int, set[tuple[int, bytes]]] = {}
    for spec in specs:
        if spec.body is None:
            raise ValueError(f"a checked script needs the body of {spec.path}")
        by_length.setdefault(spec.body.length, set()).update(spec.body.probes)
    rows = []
    for length, probes in sorted(by_length.items()):
        cells = ", ".join(f"{{at = {at}, bytes = {lua_bytes(b)}}}" for at, b in sorted(probes))
        rows.append(f"  [{length}] = {{{cells}}},")
    return "local bodies = {\n" + "\n".join(rows) + "\n}\n"


def _lua(name: str) -> str:
    return (LUA / name).read_text().replace("@MARKER@", MARKER)


def write_script(path: Path, specs: Sequence[Spec], *, checked: bool = False) -> Path:
    """Write a wrk script that sends ``specs`` in random order and reports as JSON.

    A checked script also checks every answer against its spec's body.
    """
    if not specs:
        raise ValueError("a wrk script needs at least one request")
    parts = [_spec_table(specs), _lua("pick.lua")]
    if checked:
        parts = [_body_table(specs), *parts, _lua("check.lua")]
    path.write_text("".join([*parts, _lua("done.lua")]))
    return path


def write_hook(directory: Path) -> Path:
    """A script with only the ``done`` hook, for runs whose request is on the command line."""
    path = directory / "report.lua"
    path.write_text(_lua("done.lua"))
    return path


def run_wrk(wrk: str, script: Path, target: Target, load: Load) -> Measurement:
    """Run wrk once against ``target`` and return its figures."""
    argv = [wrk, "-t", str(load.threads), "-c", str(load.connections), "-d", f"{load.seconds}s"]
    argv += ["--timeout", "60s", "-s", str(script)]
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
        other_statuses=int(raw["other_statuses"]),
        wrong_bodies=int(raw["wrong_bodies"]),
    )
