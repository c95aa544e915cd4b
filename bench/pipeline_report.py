"""The ``pipeline`` section of docs/benchmarks.md, from the figures of one run."""

from __future__ import annotations

import platform
import statistics
from typing import Any

from bench.report import machine_facts

STEPS = ("faststart", "poster", "storyboard", "renditions")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _step_rows(rounds: list[dict[str, Any]]) -> list[str]:
    rows = []
    for step in STEPS:
        piped = _median([r["pipeline"]["steps"].get(step, 0.0) for r in rounds])
        bare = _median([r["bare"]["steps"][step] for r in rounds])
        rows.append(f"| {step} | {piped:.2f} s | {bare:.2f} s | {piped / bare - 1:+.1%} |")
    piped = _median([r["pipeline"]["seconds"] for r in rounds])
    bare = _median([r["bare"]["seconds"] for r in rounds])
    rows.append(
        f"| **total** | **{piped:.2f} s** | **{bare:.2f} s** | **{piped / bare - 1:+.1%}** |"
    )
    return rows


def _shared(results: dict[str, Any]) -> str:
    """A warning when the load shows that other work competed for the cores."""
    load = max(float(results["load_average"]["before"]), float(results["load_average"]["after"]))
    if load <= results["cpus"] + 1:
        return ""
    return (
        " (more than the cores could run: other work shared the machine, so these are pessimistic)"
    )


def render_section(results: dict[str, Any]) -> str:
    """Markdown for the section: how it was measured, then the figures."""
    args, rounds, playable = results["args"], results["overhead"], results["playable"]
    bare0 = rounds[0]["bare"]
    duration = bare0["duration"]
    ladder_seconds = _median([r["bare"]["steps"]["renditions"] for r in rounds])
    to_playable = [p["seconds_to_playable"] for p in playable]
    facts = machine_facts("nginx", "wrk")
    lines = [
        "## Media pipeline: overhead, time to playable, ladder speed",
        "",
        "`python -m bench pipeline` (one command; `--help` lists the knobs). Raw figures go "
        "to `bench/out/pipeline-<time>.json`.",
        "",
        f"- Machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory']} RAM, Linux "
        f"{facts['kernel']}, Python {platform.python_version()}; 1-minute load average "
        f"{results['load_average']['before']} before and {results['load_average']['after']} "
        f"after{_shared(results)}.",
        f"- Source: {duration:.0f} s of 1920x1080 at 30 fps (ffmpeg's test pattern with "
        f"moving noise), H.264 at 8 Mbit/s + AAC, index at the end, "
        f"{results['source_bytes'] / 1024**2:.0f} MiB. Encoder: {bare0['encoder']} "
        f"(`auto` on this machine), preset `{args['preset']}`.",
        f"- Ladder: {', '.join(bare0['ladder'])}; 4 s fMP4 segments.",
        "",
        f"### Pipeline against the bare ffmpeg commands ({len(rounds)} alternating rounds, "
        "medians)",
        "",
        "The pipeline column is what a worker does: both stages with the lease, progress "
        "written to the database about once a second, the poster frame chosen by decoding "
        "candidates, every file stored through the Storage interface, the master playlist "
        "written. The bare column runs the same four ffmpeg commands back to back.",
        "",
        "| step | pipeline | bare ffmpeg | overhead |",
        "|---|---|---|---|",
        *_step_rows(rounds),
        "",
        "### Upload complete to playable",
        "",
        f"A {results['big_bytes'] / 1e6:.0f} MB 1080p source with its index at the end, "
        "uploaded while `vidstream worker` waits on the embedded (SQLite) queue. The clock "
        "starts when the upload is answered and stops when the row says `ready_original`: "
        "queue pick-up (the queue is polled every second), the lease, a probe and the "
        "stream-copy remux, and the atomic replacement of the original.",
        "",
        f"- Upload answered to playable: median {_median(to_playable):.2f} s "
        f"(rounds: {', '.join(f'{s:.2f}' for s in to_playable)} s).",
        f"- The remux alone (bare ffmpeg): {results['bare_remux_seconds']:.2f} s.",
        f"- Index in front afterwards: {all(p['moov_at_front'] for p in playable)}; first "
        f"300 video packets byte-identical (no re-encode): "
        f"{all(p['frames_unchanged'] for p in playable)}.",
        "",
        "### The ladder's realtime factor",
        "",
        f"- HLS ladder alone: {ladder_seconds:.1f} s for {duration:.0f} s of video, "
        f"{duration / ladder_seconds:.2f}x realtime.",
        f"- Whole pipeline: {duration / _median([r['pipeline']['seconds'] for r in rounds]):.2f}"
        "x realtime.",
    ]
    return "\n".join(lines)
