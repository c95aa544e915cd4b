"""``python -m bench [range|tus|pipeline|gateway|load|library|all] [options]``: every benchmark.

With no name (or ``all``) each benchmark runs in turn with its defaults and writes its
own section of docs/benchmarks.md; with a name, only that one runs, with the options
that follow (``python -m bench range --help``). bench/README.md lists them.

Exit status: 0 when every check passed and every target was met, 1 when a run saw
failed requests or missed its target (the last lines say which), 2 when a benchmark
could not run (a missing tool, a server that did not start, bad options), 130 when
interrupted; for ``all``, the worst of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bench.analytics.benchmark import BENCHMARK as ANALYTICS
from bench.common.benchmark import Benchmark
from bench.common.procs import BenchError, sigterm_interrupts
from bench.common.report import say
from bench.gateway.benchmark import BENCHMARK as GATEWAY
from bench.library.benchmark import BENCHMARK as LIBRARY
from bench.load.benchmark import BENCHMARK as LOAD
from bench.pipeline.benchmark import BENCHMARK as PIPELINE
from bench.range.benchmark import BENCHMARK as RANGE
from bench.tus.benchmark import BENCHMARK as TUS

BENCHMARKS: dict[str, Benchmark] = {
    b.name: b for b in (RANGE, TUS, PIPELINE, GATEWAY, LOAD, LIBRARY, ANALYTICS)
}
COULD_NOT_RUN = 2
INTERRUPTED = 130


def _shared_options() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--no-docs", action="store_true", help="do not rewrite the docs")
    return shared


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """One parser: a sub-command per benchmark with its own options, and ``all``.

    Returns the parser and each benchmark's sub-parser (for its usage in errors).
    """
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    shared = _shared_options()
    subs = {}
    for benchmark in BENCHMARKS.values():
        sub = commands.add_parser(
            benchmark.name,
            parents=[shared],
            help=benchmark.summary,
            description=benchmark.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        benchmark.add_arguments(sub)
        sub.set_defaults(benchmark=benchmark.name)
        subs[benchmark.name] = sub
    commands.add_parser("all", parents=[shared], help="every benchmark, with its defaults")
    return parser, subs


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse and cross-check the options; a contradiction ends with usage and status 2."""
    parser, subs = build_parser()
    args = parser.parse_args(list(argv) or ["all"])
    if args.benchmark in BENCHMARKS:
        problem = BENCHMARKS[args.benchmark].check(args)
        if problem:
            subs[args.benchmark].error(problem)
    return args


def run_one(benchmark: Benchmark, args: argparse.Namespace) -> int:
    """Run one benchmark; SIGTERM, like Ctrl+C, stops it and every server it started."""
    try:
        with sigterm_interrupts():
            return benchmark.run(args)
    except BenchError as error:
        say(f"bench {benchmark.name}: {error}")
        return COULD_NOT_RUN
    except KeyboardInterrupt:
        say(f"bench {benchmark.name}: interrupted; every server was stopped")
        return INTERRUPTED


def main(argv: Sequence[str]) -> int:
    """Run the named benchmark, or all of them; the exit status is the worst one's."""
    args = parse(argv)
    if args.benchmark != "all":
        return run_one(BENCHMARKS[args.benchmark], args)
    statuses = []
    for name in BENCHMARKS:
        say(f"==> benchmark: {name}")
        status = run_one(BENCHMARKS[name], parse([name, *(["--no-docs"] if args.no_docs else [])]))
        statuses.append(status)
        if status == INTERRUPTED:
            break
    return max(statuses)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
