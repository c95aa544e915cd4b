"""wrk scripts that send a mix of requests: random paths, cookies and ranges.

The requests are drawn in Python from a seeded generator and written into the Lua
script as a table; each wrk thread formats them once in ``init`` and then picks one
at random per request, so the load generator spends its time on the network, not
on building requests. The ``done`` hook of :mod:`bench.wrk` reports the figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.wrk import DONE_HOOK, MARKER

# What may appear inside a Lua string literal here: printable ASCII without quotes
# or backslashes (paths, cookies, tokens and Range values all fit).
_SAFE = re.compile(r"[\x20-\x7e]*")

PICKER = """\
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

local formatted = {}
function init(args)
  math.randomseed(seed * 7919)
  for i, spec in ipairs(specs) do
    formatted[i] = wrk.format("GET", spec.path, spec.headers)
  end
end

function request()
  return formatted[math.random(#formatted)]
end
"""


@dataclass(frozen=True)
class Spec:
    """One request wrk may send: a path and its headers."""

    path: str
    headers: Mapping[str, str] = field(default_factory=dict)


def lua_string(value: str) -> str:
    """``value`` as a Lua string literal; anything but plain printable ASCII is refused."""
    if not _SAFE.fullmatch(value) or '"' in value or "\\" in value:
        raise ValueError(f"not a plain header or path value: {value!r}")
    return f'"{value}"'


def _spec_table(specs: Sequence[Spec]) -> str:
    rows = []
    for spec in specs:
        headers = ", ".join(
            f"[{lua_string(name)}] = {lua_string(value)}" for name, value in spec.headers.items()
        )
        rows.append(f"  {{path = {lua_string(spec.path)}, headers = {{{headers}}}}},")
    return "local specs = {\n" + "\n".join(rows) + "\n}\n"


def write_script(path: Path, specs: Sequence[Spec]) -> Path:
    """Write a wrk script that sends ``specs`` in random order and reports as JSON."""
    if not specs:
        raise ValueError("a wrk script needs at least one request")
    path.write_text(_spec_table(specs) + PICKER + DONE_HOOK.replace("{marker}", MARKER))
    return path
