"""The systemd units in docs/deploy/, which README.md's "Running in production" points to: valid for
systemd (`systemd-analyze verify`), running the very commands README gives, as the service user README
describes, writing nothing of the checkout but var/."""

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
UNITS = REPO / "docs" / "deploy"
CHECKOUT = "/srv/auditportal"  # where the units expect the checkout
NAMES = ["auditportal-web.service", "auditportal-worker.service", "auditportal-beat.service"]


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def exec_start(name: str) -> list[str]:
    """ExecStart as systemd runs it: `%%` is a percent sign, and a lone `%` would be a specifier."""
    line = unit(name)["Service"]["ExecStart"]
    assert "%" not in line.replace("%%", ""), f"{name}: a lone % is a systemd specifier: write %%"
    words = shlex.split(line.replace("%%", "%"))
    assert words[0].startswith(f"{CHECKOUT}/.venv/bin/")
    return [".venv/bin/" + words[0].removeprefix(f"{CHECKOUT}/.venv/bin/"), *words[1:]]


def readme_commands() -> list[list[str]]:
    """The commands of README's production code block, continuation lines joined, comments dropped."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Running in production", 1)[1].split("\n### ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.strip()]


def test_the_units_run_the_commands_readme_gives():
    commands = readme_commands()
    for name in NAMES:
        assert exec_start(name) in commands, f"{name} runs {exec_start(name)}, which README does not give"
    # One unit per process: gunicorn, the worker and beat.
    kinds = {exec_start(name)[3] if exec_start(name)[0].endswith("celery") else "web" for name in NAMES}
    assert kinds == {"web", "worker", "beat"}


def test_the_units_run_as_readme_says():
    readme = (REPO / "README.md").read_text()
    assert "docs/deploy/" in readme
    for name in NAMES:
        service = unit(name)["Service"]
        assert service["User"] == "auditportal" and service["UMask"] == "0077"
        assert service["EnvironmentFile"] == "/etc/auditportal.env"
        assert service["WorkingDirectory"] == CHECKOUT
        # The checkout read-only but for var/ (the PDFs, beat's schedule file).
        assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"] == f"{CHECKOUT}/var"
    # The worker is given the time to finish a task (its time limit) before it is killed.
    limit = settings.CELERY_TASK_TIME_LIMIT
    assert int(unit("auditportal-worker.service")["Service"]["TimeoutStopSec"]) > limit


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    for name in NAMES:
        # The checkout here instead of /srv/auditportal: systemd checks that ExecStart's program exists.
        (tmp_path / name).write_text((UNITS / name).read_text().replace(CHECKOUT, str(REPO)))
    check = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in NAMES)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0 and not check.stderr.strip(), check.stderr
