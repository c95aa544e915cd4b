"""``python -m bench library``: the library page and search with 10,000 videos.

Fills one account's library with rows (no media) on SQLite and on MariaDB, then times,
in process, the library page (first page, newest first and by title), a search (page
and API) and a search with a tag filter, against two references measured in the same
run on the same database: ``/healthz`` (the app's floor) and the bare ``SELECT`` of one
page of rows by index (the database's floor). Figures go to
``bench/out/library-<time>.json`` and the ``library`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common.benchmark import PASSED, Benchmark
from bench.common.report import (
    DOC,
    OUT_DIR,
    load_average,
    say,
    update_section,
    utc_stamp,
    write_json,
)
from bench.library.fill import fill, library_app, make_owner
from bench.library.measure import measure
from bench.library.report import render_section


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line knobs; the defaults are the documented run."""
    add = parser.add_argument
    add("--videos", type=int, default=10_000, help="videos in the measured library")
    add("--others", type=int, default=10_000, help="videos of another account, in the same tables")
    add("--requests", type=int, default=200, help="timed requests per scenario")
    add("--databases", default="sqlite,mariadb", help="comma-separated: sqlite, mariadb")
    add("--mariadb-url", default="mysql+pymysql://root@127.0.0.1:3306/",
        help="server URL (no database) for the MariaDB pass")  # fmt: skip


def _reachable(url: str) -> bool:
    try:
        with sa.create_engine(url).connect():
            return True
    except sa.exc.OperationalError:
        return False


def run_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """Fill and measure one database."""
    with (
        tempfile.TemporaryDirectory(prefix="library-bench-", dir=OUT_DIR) as tmp,
        library_app(Path(tmp), database, args.mariadb_url) as (app, _url),
    ):
        other = make_owner(app, "someone")
        fill(app, other, args.others, seed=11)
        owner = make_owner(app, "owner")
        say(f"{database}: filling {args.videos} videos (+{args.others} of another account)")
        fill(app, owner, args.videos)
        say(f"{database}: measuring {args.requests} requests per scenario")
        return measure(app, owner, "owner", args.requests)


def run(args: argparse.Namespace) -> int:
    """Measure each database; write the JSON and the docs section (figures reported)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    before = load_average()
    results: dict[str, Any] = {}
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if database == "mariadb" and not _reachable(args.mariadb_url):
            say(f"mariadb: {args.mariadb_url} is not reachable; skipped")
            continue
        results[database] = run_database(database, args)
    run_facts = {"load_average": {"before": before, "after": load_average()}}
    stamp = utc_stamp()
    write_json("library", stamp, {"when_utc": stamp, "parameters": vars(args),
                                  "results": results, **run_facts})  # fmt: skip
    if not args.no_docs:
        update_section(DOC, "library", render_section(results, run_facts, args))
        say(f"table: {DOC.name}")
    return PASSED


BENCHMARK = Benchmark(
    name="library",
    summary="the library page and search with 10,000 videos, on SQLite and MariaDB",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
)
