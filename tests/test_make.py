"""`make install`, `make demo` and `make test` on a new Debian machine: the system packages they need
(python3-venv, Node and npm, WeasyPrint's libraries, the test services) are checked, and installed
when root, before .venv is made and npm runs."""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def make(*args: str) -> list[str]:
    result = subprocess.run(["make", *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr  # `make -q` says 1 when something is out of date
    return result.stdout.splitlines()


@pytest.mark.parametrize(("goal", "scope"), [("install", "build"), ("demo", "demo")])
def test_system_packages_come_before_the_venv_and_npm(goal, scope):
    # What make would run, in order, everything out of date (-B). Not for `test`: a recipe line that
    # calls $(MAKE) runs even under -n, and test's runs the suite.
    lines = make("-n", "-B", goal)

    def first(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    system_deps = first(f"scripts/system_deps.sh {scope}")
    assert system_deps < first(" -m venv ") and system_deps < first("npm ci"), "\n".join(lines)


@pytest.mark.parametrize("goal", ["test", "bench", "fuzz"])
def test_the_goals_that_use_the_test_services_install_them_first(goal):
    """Make builds prerequisites left to right: every system package first, then .venv and npm."""
    rules = {line.partition(":")[0]: line.partition(":")[2].split() for line in make("-q", "-p") if ":" in line}
    assert rules[goal][:2] == ["system-deps", "install"]
    assert any("scripts/system_deps.sh all" in line for line in make("-n", "system-deps"))
