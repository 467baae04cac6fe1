"""The permission matrix: every URL of the app, GET and POST, as every member of the cast.

The expected outcome of each visit is the table in docs/permissions.md, which is also the
documentation of who may do what. A URL the URLconf has and the table lacks fails the test, so a new
view cannot ship without a decision about who may use it.

After an intended change of permissions, regenerate the table and read the diff line by line:

    UPDATE_PERMISSIONS_DOC=1 python scripts/test_services.py -- .venv/bin/pytest tests/test_permission_matrix.py

Cells are HTTP status codes, except `login` (sent to the sign-in page, or 401 for a JSON endpoint).
Each visit runs in its own rolled-back transaction, so a POST by one member cannot change what the
next one meets. POSTs carry no data: the point is whether the view lets the person in, not the form.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import CAST

DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"
SKIPPED_NAMESPACES = {"admin"}  # Django's admin has its own permission system (test_demo.py, test_planning_admin.py).
METHODS = ("GET", "POST")


def url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    return names


def read_table() -> dict[tuple[str, str], dict[str, str]]:
    text = DOC.read_text()
    body = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in body.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(CAST) or cells[0] in ("URL name", "") or set(cells[0]) <= {"-", ":"}:
            continue
        rows[(cells[0], cells[1])] = dict(zip(CAST, cells[2:], strict=True))
    return rows


def write_table(results: dict[tuple[str, str], dict[str, str]]) -> None:
    header = "| URL name | method | " + " | ".join(CAST) + " |"
    rule = "|" + "---|" * (2 + len(CAST))
    lines = [header, rule]
    for (name, method), outcomes in sorted(results.items()):
        lines.append(f"| `{name}` | {method} | " + " | ".join(outcomes[who] for who in CAST) + " |")
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + "\n".join(lines) + "\n" + text[end:])


def outcome(response) -> str:
    if response.status_code == 401:
        return "login"
    if response.status_code == 302 and response.url.startswith(reverse("login")):
        return "login"
    return str(response.status_code)


@pytest.fixture
def world(audit, other_audit, cast, qa_manager):
    """The objects the URLs point at: `audit` in Part B, with every kind of object in it."""
    from tests.permission_world import build_world

    return build_world(audit=audit, cast=cast)


def test_every_url_has_a_row_for_get():
    table = read_table()
    missing = [name for name in url_names() if (name, "GET") not in table]
    assert not missing, f"URLs without a row in docs/permissions.md: {missing}"


def test_every_row_names_a_url_that_exists():
    names = set(url_names())
    stale = sorted({name for name, _method in read_table()} - names)
    assert not stale, f"docs/permissions.md has rows for URLs that no longer exist: {stale}"


def test_permission_matrix(client, world, cast):
    from tests.permission_world import KWARGS

    table = read_table()
    names = url_names()
    unresolvable = [name for name in names if name not in KWARGS]
    assert not unresolvable, f"tests/permission_world.py KWARGS has no arguments for: {unresolvable}"

    results: dict[tuple[str, str], dict[str, str]] = {}
    for name in names:
        url = reverse(name, kwargs=KWARGS[name](world))
        for method in METHODS:
            row: dict[str, str] = {}
            for who in CAST:
                row[who] = visit(client, cast[who], method, url)
            if method == "POST" and set(row.values()) == {"405"} and (name, "POST") not in table:
                continue  # a GET-only view: no POST row needed
            results[(name, method)] = row

    if os.environ.get("UPDATE_PERMISSIONS_DOC"):
        write_table(results)
        pytest.fail("docs/permissions.md regenerated: review the diff, then run again without UPDATE_PERMISSIONS_DOC")

    mismatches = []
    for key, row in results.items():
        expected = table.get(key)
        if expected is None:
            mismatches.append(f"{key[0]} {key[1]}: no row in docs/permissions.md (got {row})")
            continue
        for who in CAST:
            if expected[who] != row[who]:
                mismatches.append(f"{key[0]} {key[1]} as {who}: expected {expected[who]}, got {row[who]}")
    assert not mismatches, "\n".join(mismatches)


def visit(client, user, method: str, url: str) -> str:
    with transaction.atomic():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url) if method == "GET" else client.post(url)
        result = outcome(response)
        transaction.set_rollback(True)
    return result
