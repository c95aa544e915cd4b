"""The ``vidstream`` command line, run the way an operator runs it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vidstream.cli import main


def test_db_upgrade_and_users_create(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_DATABASE_URL": ""}
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"], env=env)
    assert first.exit_code == 0, first.output
    assert "database is at revision" in first.output
    again = runner.invoke(main, ["db", "upgrade"], env=env)
    assert again.exit_code == 0, again.output
    created = runner.invoke(
        main, ["users", "create", "Frank", "--admin", "--password", "pw-123456789"], env=env
    )
    assert created.exit_code == 0, created.output
    assert "created admin user frank" in created.output
    duplicate = runner.invoke(
        main, ["users", "create", "frank", "--password", "pw-123456789"], env=env
    )
    assert duplicate.exit_code == 1
    assert "already taken" in duplicate.output
    viewer = runner.invoke(
        main, ["users", "create", "vera", "--role", "viewer", "--password", "pw-123456789"], env=env
    )
    assert "created viewer user vera" in viewer.output
    listed = runner.invoke(main, ["users", "list"], env=env)
    assert listed.output.splitlines() == ["frank  admin", "vera  viewer"]


def test_the_first_account_is_the_admin_and_later_ones_are_members(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_DATABASE_URL": ""}
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"], env=env)
    first = runner.invoke(main, ["users", "create", "ann", "--password", "pw-123456789"], env=env)
    assert "created admin user ann" in first.output
    second = runner.invoke(main, ["users", "create", "bob", "--password", "pw-123456789"], env=env)
    assert "created member user bob" in second.output
    both = runner.invoke(
        main, ["users", "create", "cy", "--admin", "--role", "viewer", "--password", "pw-1234567"]
    )
    assert both.exit_code == 2


def test_users_invite_prints_a_single_use_link(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_DATABASE_URL": ""}
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"], env=env)
    result = runner.invoke(main, ["users", "invite", "--role", "viewer", "--days", "2"], env=env)
    assert result.exit_code == 0, result.output
    assert "/invite/" in result.output.strip()


def test_users_create_rejects_bad_names(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(
        main, ["users", "create", "a b", "--password", "pw-123456789"], env=env
    )
    assert result.exit_code == 2
    assert "3 to 32 characters" in result.output


def test_bad_configuration_fails_fast(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_MAX_UPLOAD_BYTES": "lots"}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code != 0
    assert "VIDSTREAM_MAX_UPLOAD_BYTES must be a whole number" in str(result.exception)
