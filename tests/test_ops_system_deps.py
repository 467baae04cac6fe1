"""README's production set-up on a new Debian server: `scripts/system_deps.sh build` names (and, as root,
installs) everything the next steps run, `make assets` included; `scripts/system_deps.sh backup` the client
tools that "Backups" runs, on a machine without the database server."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system_deps.sh"


def run_scope(tmp_path: Path, scope: str, commands: list[str]) -> subprocess.CompletedProcess[str]:
    """A scope of the script on a machine that has only `commands`, run as an ordinary user (so that it says
    what is missing rather than installing it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in commands:
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed here")
        (bin_dir / name).symlink_to(found)
    not_root = bin_dir / "id"
    not_root.write_text("#!/bin/sh\necho 1000\n")
    not_root.chmod(0o755)
    env = {"PATH": str(bin_dir), "PYTHON": sys.executable}  # a Python with venv and ensurepip
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), scope], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_build_scope_is_silent_when_everything_is_there(tmp_path):
    result = run_scope(tmp_path, "build", ["node", "npm", "make"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""


def test_build_scope_names_make_when_it_is_missing(tmp_path):
    """Debian installs no make by default: README's next step, `make assets`, would be 'command not found'."""
    result = run_scope(tmp_path, "build", ["node", "npm"])
    assert result.returncode == 1
    assert "Missing system packages: make" in result.stderr
    assert "apt-get install -y make" in result.stderr


def test_backup_scope_names_the_client_tools_each_package_once(tmp_path):
    result = run_scope(tmp_path, "backup", [])
    assert result.returncode == 1
    assert "Missing system packages: postgresql-client redis-tools\n" in result.stderr
    assert "apt-get install -y postgresql-client redis-tools\n" in result.stderr


def test_backup_scope_is_silent_when_the_tools_are_there(tmp_path):
    result = run_scope(tmp_path, "backup", ["pg_dump", "pg_restore", "createdb", "redis-cli"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""
