"""requirements.txt and requirements-dev.txt pin every package, dependencies of dependencies included,
compiled from the .in files the project edits (`make requirements`); the tests run on those pins."""

import re
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(filename: str) -> list[str]:
    lines = (REPO / filename).read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def pins(filename: str) -> dict[str, str]:
    found = {}
    for line in requirement_lines(filename):
        if line.startswith("-"):  # -r / -c
            continue
        match = PIN.match(line)
        assert match, f"{filename}: {line!r} is not pinned with =="
        found[normalise(match.group(1))] = match.group(2)
    return found


@pytest.mark.parametrize("compiled", ["requirements.txt", "requirements-dev.txt"])
def test_the_compiled_files_pin_everything_and_include_nothing_else(compiled):
    assert [line for line in requirement_lines(compiled) if not PIN.match(line)] == []


@pytest.mark.parametrize(
    ("chosen", "compiled"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_the_compiled_files_are_up_to_date_with_the_in_files(chosen, compiled):
    """A version changed in a .in file without `make requirements` would not be installed."""
    locked = pins(compiled)
    assert {name: locked.get(name) for name in pins(chosen)} == pins(chosen)


def test_dev_tools_install_the_runtime_packages_at_the_same_versions():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_transitive_dependencies_are_pinned_too():
    assert {"kombu", "billiard", "pillow", "pydyf", "sqlparse"} <= set(pins("requirements.txt"))


def test_this_environment_has_the_pinned_versions():
    """`make install` installs requirements-dev.txt: the tests run on exactly those versions."""
    installed = {}
    for name in pins("requirements-dev.txt"):
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    assert installed == pins("requirements-dev.txt")
