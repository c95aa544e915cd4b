"""``python -m bench [range|tus|pipeline|gateway|load|all] [options]``: every benchmark.

With no name (or ``all``) each benchmark runs in turn with its defaults and writes its
own section of docs/benchmarks.md; with a name, only that one runs, and the options
that follow go to it (``python -m bench range --help``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import gateway, load, pipeline, run, tus_upload

BENCHMARKS: dict[str, Callable[[list[str] | None], int]] = {
    "range": run.main,
    "tus": tus_upload.main,
    "pipeline": pipeline.main,
    "gateway": gateway.main,
    "load": load.main,
}


def main(argv: list[str]) -> int:
    """Run the named benchmark, or all of them; the exit status is the worst one's."""
    name, rest = (argv[0], argv[1:]) if argv and not argv[0].startswith("-") else ("all", argv)
    if name in BENCHMARKS:
        return BENCHMARKS[name](rest)
    if name != "all" or rest:
        print(__doc__, file=sys.stderr)
        return 2
    statuses = []
    for label, benchmark in BENCHMARKS.items():
        print(f"==> benchmark: {label}", flush=True)
        statuses.append(benchmark([]))
    return max(statuses)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
