"""After a fault: does the database agree with the files, and is nothing half-written left?"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner

from vidstream.cli import main

AGREE = "storage and database agree"


def assert_consistent(env: Mapping[str, str]) -> None:
    """``vidstream storage check`` with ``env`` finds nothing lost and nothing orphaned.

    Not even a young file without a row, which the check reports but leaves alone (an
    upload may be finishing): once a fault is over, there may be none.
    """
    result = CliRunner().invoke(main, ["storage", "check"], env=dict(env))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == AGREE, result.output


def staging_leftovers(data_dir: Path) -> list[Path]:
    """Form-upload staging files in the data dir (a finished or failed upload leaves none)."""
    return sorted((data_dir / "staging").glob("*.part"))


def stored_files(data_dir: Path) -> list[str]:
    """Every file under the media folder's ``videos/``, temporary ones included."""
    root = data_dir / "media"
    return sorted(
        p.relative_to(root).as_posix() for p in (root / "videos").rglob("*") if p.is_file()
    )
