"""The pinned requirement files cover what the package declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].strip().lower().replace("_", "-")
        for r in requirements
    }


def _pinned(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not pinned with =="
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_runtime_and_development_locks_pin_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pinned(ROOT / "requirements" / "runtime.txt")
    development = _pinned(ROOT / "requirements" / "lock.txt")
    assert _names(project["dependencies"]) <= set(runtime)
    assert _names(project["dependencies"] + project["optional-dependencies"]["test"]) <= set(
        development
    )
    assert {k: development[k] for k in runtime} == runtime, "the two locks disagree on a version"
