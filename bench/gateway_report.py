"""The ``gateway`` section of docs/benchmarks.md, from the figures of one run."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Mapping
from typing import Any

from bench.summary import Round, ratio, spread

TARGET_RATIO = 0.8


def _scenarios(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    return [
        (f"{kind}-{clients}", label, clients)
        for kind, label in (("range", f"{args.range_kib} KiB range"), ("hls", "HLS segment"))
        for clients in args.connection_counts
    ]


def results_table(rounds: list[Round], args: argparse.Namespace, targets: Mapping[str, str]) -> str:
    """One row per load and server: medians over the rounds, the ratio to nginx alone."""
    lines = [
        "| request | clients | server | req/s | MB/s | p50 ms | p99 ms | req/s ÷ direct |",
        "|---|--:|---|--:|--:|--:|--:|--:|",
    ]
    for scenario, label, clients in _scenarios(args):
        for key, name in targets.items():
            cells = [
                label,
                str(clients),
                name,
                spread(rounds, scenario, key, "requests_per_s").show(),
                spread(rounds, scenario, key, "mb_per_s").show(),
                spread(rounds, scenario, key, "p50_ms").show(1),
                spread(rounds, scenario, key, "p99_ms").show(1),
                ratio(rounds, scenario, key, "requests_per_s").show(2),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rounds_table(rounds: list[Round], args: argparse.Namespace) -> str:
    """The signed links' and X-Accel-Redirect's req/s ÷ direct, round by round."""
    scenarios = _scenarios(args)
    head = " | ".join(f"{label}, {clients}" for _, label, clients in scenarios)
    lines = [f"| round | gateway | {head} |", "|--:|---|" + "--:|" * len(scenarios)]
    for number, one in enumerate(rounds, 1):
        for key, name in (("signed", "signed link"), ("gateway", "X-Accel-Redirect")):
            cells = [
                f"{one[s][key].requests_per_s / one[s]['nginx'].requests_per_s:.2f}"
                for s, _, _ in scenarios
            ]
            lines.append(f"| {number} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu(result: dict[str, Any], scenario: str, key: str, group: str) -> float:
    return statistics.median(float(r[scenario][key][group]) for r in result["cpu_ms_per_request"])


def cpu_table(result: dict[str, Any], args: argparse.Namespace) -> str:
    """CPU milliseconds per request of nginx and the stream service (round medians)."""
    lines = [
        "| request | clients | direct: nginx | signed link: nginx | X-Accel-Redirect: nginx "
        "| X-Accel-Redirect: stream service |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for scenario, label, clients in _scenarios(args):
        cells = [
            _cpu(result, scenario, "nginx", "nginx"),
            _cpu(result, scenario, "signed", "nginx"),
            _cpu(result, scenario, "gateway", "nginx"),
            _cpu(result, scenario, "gateway", "stream"),
        ]
        lines.append(f"| {label} | {clients} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    return "\n".join(lines)


def capacity(result: dict[str, Any], args: argparse.Namespace) -> str:
    """What the stream service's CPU per request means for one core."""
    costs = [_cpu(result, s, "gateway", "stream") for s, _, _ in _scenarios(args)]
    cost = statistics.median(costs)
    return (
        f"With X-Accel-Redirect the stream service spent a median {cost:.2f} ms of CPU on "
        f"each request it authorised, so each core given to it can authorise about "
        f"{1000 / cost:,.0f} requests per second, whatever their size."
    )


def verdict(rounds: list[Round], args: argparse.Namespace) -> str:
    """Which loads met the target ratio, for each way through the gateway (round medians)."""
    sentences = []
    for key, name in (("signed", "signed links"), ("gateway", "X-Accel-Redirect")):
        parts = []
        for scenario, label, clients in _scenarios(args):
            share = ratio(rounds, scenario, key, "requests_per_s").median
            mark = "met" if share >= TARGET_RATIO else "missed"
            parts.append(f"{label}s, {clients} clients **{share:.2f}x** ({mark})")
        sentences.append(f"With {name}: " + "; ".join(parts) + ".")
    return (
        f"The gateway's request rate against nginx sending the files with no check "
        f"(target: at least {TARGET_RATIO}x). " + " ".join(sentences)
    )


def _settings(facts: Mapping[str, str], args: argparse.Namespace, result: dict[str, Any]) -> str:
    stores = (
        "sessions and the media metadata cache in Redis"
        if args.redis_url
        else "embedded stores: sessions in files under the data directory, SQLite"
    )
    load = result["load_average"]
    return "\n".join(
        [
            f"- Machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory']} RAM, "
            f"Linux {facts['kernel']}, shared with other work while it ran; 1-minute load "
            f"average {load['before']} before the rounds and {load['after']} after. wrk, "
            "nginx and gunicorn share the same cores, so every figure here is bounded by "
            "the machine as much as by the server.",
            f"- Software: Python {facts['python']}, gunicorn {facts['gunicorn']}, "
            f"Flask {facts['flask']}, {facts['nginx']}, {facts['wrk']}.",
            f"- Stream service behind the gateway (X-Accel-Redirect): `vidstream serve "
            f"--service stream`, gthread, {args.workers} workers x {args.threads} threads, "
            f"no access log; {stores}. The signed links come from a second stream service "
            "with `VIDSTREAM_MEDIA_LINKS=/_signed/`, asked once for each link before the "
            "load (links set to live 6 hours, so that none expires during the run).",
            f"- nginx: `worker_processes {args.nginx_workers}`, `sendfile on`, access log "
            f"{'on (a file)' if args.access_log else 'off'}; the gateway server is "
            "`docker/nginx.conf` as shipped.",
            f"- Loads: {args.range_kib} KiB ranges of a {args.size_mib} MiB file at MiB-aligned "
            f"offsets drawn from {args.offset_mib - args.spread_mib}-"
            f"{args.offset_mib + args.spread_mib} MiB; whole HLS segments drawn from the "
            f"{result['segments']} of a {args.clip_seconds} s 854x480 clip "
            f"({result['renditions']} renditions, "
            f"{result['segment_bytes'] / result['segments'] / 1024:,.0f} KiB on average). "
            f"wrk, 2 threads; every run is {args.warmup} s of warm-up, then {args.seconds} s "
            f"measured; {args.rounds} round(s), the servers' order reversed every other round.",
        ]
    )


MEANING = (
    "What the numbers mean: all three end in the same `sendfile()` from the page "
    "cache, so the differences are what happens before it. nginx alone opens the file. "
    "With a signed link nginx first computes one MD5 over the expiry, the path and the "
    "secret. With X-Accel-Redirect nginx first proxies the request to the stream "
    "service, where gunicorn parses it, Flask loads the session, finds who owns the "
    "video and answers with an empty `X-Accel-Redirect`; nginx then reads that answer "
    "and serves the internal location. That round trip is a fixed cost per request, "
    "about the same for a 1 MiB range as for a segment, so it weighs most where nginx "
    "alone is fastest; a player that holds signed links pays it once per playback "
    "(the redirect, or the playlist), not once per range or segment."
)


def render_section(
    facts: Mapping[str, str],
    args: argparse.Namespace,
    result: dict[str, Any],
    targets: Mapping[str, str],
) -> str:
    """Markdown for the section: how it was measured, the figures, what they mean."""
    rounds: list[Round] = result["rounds"]
    issues = result["issues"]
    warning = ["", "**wrk reported problems:** " + "; ".join(issues) + "."] if issues else []
    return "\n".join(
        [
            "## Media through the gateway: signed links, X-Accel-Redirect, nginx alone",
            "",
            "One nginx runs the gateway as shipped (`docker/nginx.conf`) and, beside it, "
            "a plain location over the same media directory. The same bytes are asked "
            "for three ways: **nginx, direct**, the plain location without any check, "
            "the ceiling; **gateway, signed link**, the default (`VIDSTREAM_MEDIA_LINKS`): "
            "the links the stream service hands out after its access check (the 302 for "
            "the original, the rendition playlists for segments), which the gateway's "
            "`/_signed/` location checks on its own (`secure_link`); and **gateway, "
            "X-Accel-Redirect** (`VIDSTREAM_ACCEL_REDIRECT`), where every request goes "
            "to the stream service, which checks the session and the video's owner and "
            "answers `X-Accel-Redirect` for nginx to send the file. Every request carries "
            "the same session cookie, signed in through the gateway. Before the load, each "
            "way is checked to send the range and a segment byte for byte, and the "
            "gateway to refuse a request without a session, a link with an altered "
            "signature, and its internal location asked for from outside.",
            "",
            "Reproduce with `.venv/bin/python -m bench gateway` (needs `nginx` and `wrk`; "
            "`--help` lists the knobs, `--redis-url` puts sessions and the media cache in "
            "Redis). Raw figures: `bench/out/gateway-<time>.json`.",
            "",
            _settings(facts, args, result),
            "",
            results_table(rounds, args, targets),
            "",
            "Medians over the rounds, lowest-highest in brackets; MB/s counts 10^6 bytes "
            "received per second, headers included. Ratios are taken within each round.",
            "",
            "Request rate ÷ direct nginx, round by round:",
            "",
            rounds_table(rounds, args),
            *warning,
            "",
            "CPU milliseconds per request, from /proc (user plus system time of all the "
            "stream service's or nginx's processes, divided by the requests answered; "
            "medians over the rounds):",
            "",
            cpu_table(result, args),
            "",
            capacity(result, args),
            "",
            verdict(rounds, args),
            "",
            MEANING,
        ]
    )
