"""The gateway benchmark's loads: wrk scripts, checked and measured runs, CPU per request.

Before every measured run the same load runs for ``--warmup`` seconds with a checked
script: every answer must be a 200 or 206 whose body has the length and the bytes its
request asked for, so a redirect (a signed link not followed, a 302 where nginx
should have sent the file) counts as a failure, as do error statuses, short bodies
and wrong bytes. The measured run leaves wrk's ``response()`` hook out (it would halve
wrk's throughput on these bodies) and is held instead to the bytes it received: its
requests times the bodies they asked for.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

from bench.common.cpu_time import cpu_seconds
from bench.common.files import MIB
from bench.common.procs import Target
from bench.common.report import say
from bench.common.tables import Round
from bench.common.wrk import Body, Load, Measurement, Spec, run_wrk, short_answers, write_script
from bench.gateway.checks import app_path
from bench.gateway.nginx import DIRECT_PREFIX
from bench.gateway.setup import Running
from vidstream.models.video import original_key

TARGETS = {
    "nginx": "nginx, direct",
    "gateway": "gateway, X-Accel-Redirect",
    "signed": "gateway, signed link",
    "app": "vidstream serve, its own bytes",
}
# scenario -> target key -> CPU milliseconds per request, per process group.
CpuRound = dict[str, dict[str, dict[str, float]]]


@dataclass(frozen=True)
class Scripts:
    """One load against one target: its measured and its checked script, and body lengths."""

    measured: Path
    checked: Path
    lengths: tuple[int, ...]


@dataclass
class Rounds:
    """Every round's measured runs, the checked runs before them, and their CPU costs."""

    measured: list[Round]
    checked: list[Round]
    cpu: list[CpuRound]


def _ranges(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(first byte, length) of every range the range load may ask for."""
    length = args.range_kib * 1024
    first = args.offset_mib - args.spread_mib
    return [(mib * MIB, length) for mib in range(first, args.offset_mib + args.spread_mib)]


def _path(target: str, key: str, run: Running) -> str:
    if target in ("gateway", "app"):
        return app_path(key)
    if target == "signed":
        return run.links[key]
    return DIRECT_PREFIX + key


def _specs(run: Running, args: argparse.Namespace, target: str) -> dict[str, list[Spec]]:
    """The range load's and the segment load's requests for ``target``, with their bodies."""
    cookie = {"Cookie": run.cookie}
    original = original_key(run.library.original_id)
    ranges = [
        Spec(
            _path(target, original, run),
            cookie | {"Range": f"bytes={first}-{first + length - 1}"},
            Body.of(run.media_root / original, first, length),
        )
        for first, length in _ranges(args)
    ]
    segments = []
    for key in run.library.segment_keys:
        size = (run.media_root / key).stat().st_size
        segments.append(
            Spec(_path(target, key, run), cookie, Body.of(run.media_root / key, 0, size))
        )
    return {"range": ranges, "hls": segments}


def scripts(
    run: Running, args: argparse.Namespace, workdir: Path
) -> dict[tuple[str, str], Scripts]:
    """Scripts per (load kind, target); every target gets the same headers and bodies."""
    made = {}
    for target in TARGETS:
        for kind, specs in _specs(run, args, target).items():
            made[kind, target] = Scripts(
                measured=write_script(workdir / f"{kind}-{target}.lua", specs),
                checked=write_script(workdir / f"{kind}-{target}-checked.lua", specs, checked=True),
                lengths=tuple(spec.body.length for spec in specs if spec.body),
            )
    return made


def base_url(run: Running, target: str) -> str:
    """Where wrk connects for ``target``."""
    if target == "app":
        return run.app + "/"
    return (run.direct if target == "nginx" else run.gateway) + "/"


def measure_once(
    wrk: str, run: Running, script: Path, target: Target, load: Load
) -> tuple[Measurement, dict[str, float]]:
    """One wrk run, and the CPU milliseconds per request the stream service and nginx used."""
    before = {name: cpu_seconds(pid) for name, pid in run.pids.items()}
    m = run_wrk(wrk, script, target, load)
    used = {name: cpu_seconds(pid) - before[name] for name, pid in run.pids.items()}
    return m, {name: seconds * 1000 / max(m.requests, 1) for name, seconds in used.items()}


def measure_target(
    wrk: str, run: Running, made: Scripts, key: str, clients: int, args: argparse.Namespace
) -> tuple[Measurement, Measurement, dict[str, float]]:
    """The checked run, then the measured one, of one target under one load."""
    target = Target(key, TARGETS[key], base_url(run, key))
    checked = run_wrk(wrk, made.checked, target, Load(clients, 2, args.warmup))
    m, costs = measure_once(wrk, run, made.measured, target, Load(clients, 2, args.seconds))
    failed = checked.failures + m.failures + short_answers(m, made.lengths)
    say(
        f"    {target.label:27} {m.requests_per_s:8,.0f} req/s "
        f"p50 {m.p50_ms:6.1f} ms p99 {m.p99_ms:6.1f} ms" + (f"  FAILED {failed}" if failed else "")
    )
    return m, checked, costs


def measure(
    wrk: str, run: Running, made: dict[tuple[str, str], Scripts], args: argparse.Namespace
) -> Rounds:
    """Every round: each load against each target, in alternating order."""
    result = Rounds([], [], [])
    for number in range(1, args.rounds + 1):
        say(f"round {number} of {args.rounds}")
        order = list(TARGETS) if number % 2 else list(reversed(TARGETS))
        one: Round = {}
        one_checked: Round = {}
        one_cpu: CpuRound = {}
        for kind, clients in itertools.product(("range", "hls"), args.connection_counts):
            scenario = f"{kind}-{clients}"
            say(f"  {scenario}")
            one[scenario], one_checked[scenario], one_cpu[scenario] = {}, {}, {}
            for key in order:
                m, checked, costs = measure_target(wrk, run, made[kind, key], key, clients, args)
                one[scenario][key], one_checked[scenario][key] = m, checked
                one_cpu[scenario][key] = costs
        result.measured.append(one)
        result.checked.append(one_checked)
        result.cpu.append(one_cpu)
    return result


def problems(rounds: Rounds, made: dict[tuple[str, str], Scripts]) -> list[str]:
    """Every failure: in a checked run, in a measured run, or bytes a measured run lacked."""
    found = []
    for n, (one, checked) in enumerate(zip(rounds.measured, rounds.checked, strict=True), 1):
        for scenario, by in one.items():
            for key, m in by.items():
                where = f"round {n}, {scenario}, {TARGETS[key]}"
                if checked[scenario][key].failures:
                    found.append(
                        f"{where}, checked run: {checked[scenario][key].describe_failures()}"
                    )
                if m.failures:
                    found.append(f"{where}: {m.describe_failures()}")
                short = short_answers(m, made[scenario.split("-")[0], key].lengths)
                if short:
                    found.append(f"{where}: about {short} answers without their bytes")
    return found
