"""The ``pipeline`` section of docs/benchmarks.md: figures for ``report.md.tmpl``."""

from __future__ import annotations

import platform
import statistics
from pathlib import Path
from typing import Any

from bench.common.report import machine_facts, render

TEMPLATE = Path(__file__).with_name("report.md.tmpl")
# The pipeline's time over the bare ffmpeg commands', at most this much more (median).
TARGET_OVERHEAD = 0.10

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


def _ladder_rows(ladders: dict[str, Any], cores: int) -> list[str]:
    """Per source, old and new: wall and CPU time, the two realtime factors, bytes."""
    rows = []
    for name, run in ladders.items():
        duration = run["duration"]
        for side in ("old", "new"):
            got = run[side]
            rows.append(
                f"| {name} | {side} | {got['wall']:.1f} s | {duration / got['wall']:.2f}x | "
                f"{got['cpu']:.1f} s | {duration / (got['cpu'] / cores):.2f}x | "
                f"{got['bytes'] / 1e6:.1f} MB |"
            )
    return rows


def _ssim_rows(ladders: dict[str, Any]) -> list[str]:
    """SSIM and bytes of each rung, before and after, per source."""
    rows = []
    for name, run in ladders.items():
        old, new = run["old"]["quality"], run["new"]["quality"]
        for rung in sorted(set(old) | set(new), key=lambda r: int(r.rstrip("p"))):
            before, after = old.get(rung), new.get(rung)
            b = f"{before['ssim']:.4f} | {before['bytes'] / 1e6:.1f} MB" if before else "- | -"
            a = f"{after['ssim']:.4f} | {after['bytes'] / 1e6:.1f} MB" if after else "- | -"
            mark = ""
            if before and after:
                mark = (
                    "better"
                    if after["ssim"] > before["ssim"] + 5e-5
                    else ("equal" if after["ssim"] >= before["ssim"] - 5e-5 else "**worse**")
                )
            rows.append(f"| {name} | {rung} | {b} | {a} | {mark} |")
    return rows


def _ladder_figures(results: dict[str, Any]) -> dict[str, str]:
    ladders = results.get("ladders", {})
    cores = int(results["cpus"])
    piped = results["overhead"][0]["pipeline"]
    first = piped.get("first_rung", {})
    duration = results["overhead"][0]["bare"]["duration"]
    steps = piped["steps"]
    camera = ladders.get("camera", {})
    before_first = sum(steps.get(s, 0.0) for s in ("faststart", "poster", "storyboard"))
    before_first += camera.get("old", {}).get("wall", float("nan"))
    return {
        "ladder_rows": "\n".join(_ladder_rows(ladders, cores)),
        "ssim_rows": "\n".join(_ssim_rows(ladders)),
        "ssim_every": str(results["args"].get("ssim_every", 1)),
        "web_ladder": ", ".join(ladders.get("web", {}).get("ladder", [])),
        "storage_multiple": f"{piped['stored_bytes'] / results['source_bytes']:.2f}",
        "stored_mb": f"{piped['stored_bytes'] / 1e6:.1f}",
        "first_rung": f"{first.get('seconds', float('nan')):.1f}",
        "first_rung_share": f"{first.get('seconds', float('nan')) / duration:.2f}",
        "first_rung_statuses": ", ".join(str(s) for s in first.get("statuses", [])),
        "first_rung_segments": str(first.get("segments", 0)),
        "first_rung_cache": first.get("playlist_cache_control", ""),
        "ready_seconds": f"{piped['ready_seconds']:.1f}",
        "before_first": f"{before_first:.1f}",
        "before_first_share": f"{before_first / duration:.2f}",
    }


def render_section(results: dict[str, Any]) -> str:
    """Markdown for the section: how it was measured, then the figures."""
    args, rounds, playable = results["args"], results["overhead"], results["playable"]
    bare0 = rounds[0]["bare"]
    duration = bare0["duration"]
    ladder_seconds = _median([r["bare"]["steps"]["renditions"] for r in rounds])
    pipeline_seconds = _median([r["pipeline"]["seconds"] for r in rounds])
    to_playable = [p["seconds_to_playable"] for p in playable]
    facts = machine_facts("nginx", "wrk")
    return render(
        TEMPLATE,
        **{k: facts[k] for k in ("cpu", "cores", "memory", "kernel")},
        python=platform.python_version(),
        load_before=results["load_average"]["before"],
        load_after=results["load_average"]["after"],
        shared=_shared(results),
        target_overhead=f"{TARGET_OVERHEAD:.0%}",
        duration=f"{duration:.0f}",
        source_mib=f"{results['source_bytes'] / 1024**2:.0f}",
        encoder=bare0["encoder"],
        preset=args["preset"],
        ladder=", ".join(bare0["ladder"]),
        rounds=len(rounds),
        step_rows="\n".join(_step_rows(rounds)),
        big_mb=f"{results['big_bytes'] / 1e6:.0f}",
        to_playable=f"{_median(to_playable):.2f}",
        to_playable_rounds=", ".join(f"{s:.2f}" for s in to_playable),
        bare_remux=f"{results['bare_remux_seconds']:.2f}",
        moov_at_front=all(p["moov_at_front"] for p in playable),
        frames_unchanged=all(p["frames_unchanged"] for p in playable),
        ladder_seconds=f"{ladder_seconds:.1f}",
        ladder_realtime=f"{duration / ladder_seconds:.2f}",
        pipeline_realtime=f"{duration / pipeline_seconds:.2f}",
        **_ladder_figures(results),
    )
