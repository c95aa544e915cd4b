"""The registry entry each benchmark package exports: its options and its ``run``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

# What ``run`` returns: every check passed and every target was met; or not.
PASSED = 0
FAILED = 1


def no_constraints(_args: argparse.Namespace) -> str | None:
    """For benchmarks whose options cannot contradict each other."""
    return None


@dataclass(frozen=True)
class Benchmark:
    """One ``python -m bench NAME``: what it measures, its options, how it runs.

    ``check`` returns why a combination of options makes no sense (or None);
    ``run`` returns :data:`PASSED` or :data:`FAILED` and raises ``BenchError`` when
    it cannot run at all.
    """

    name: str
    summary: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    check: Callable[[argparse.Namespace], str | None] = no_constraints
