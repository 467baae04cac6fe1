"""README's configuration table names every variable auditportal/settings.py reads from the environment,
so that the two cannot drift apart again."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HELPERS = {"env_str", "env_int", "env_bool", "env_list"}


def settings_tree() -> ast.Module:
    return ast.parse((REPO / "auditportal" / "settings.py").read_text())


def variables_read() -> set[str]:
    return {
        node.args[0].value
        for node in ast.walk(settings_tree())
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in HELPERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def variables_documented() -> set[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}


def test_every_variable_the_settings_read_is_in_the_readme_table():
    read = variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "DATABASE_CONN_MAX_AGE", "SECURE_HSTS_PRELOAD"} <= read  # the parse works
    assert sorted(read - variables_documented()) == []


def test_the_table_names_no_variable_the_settings_do_not_read():
    assert sorted(variables_documented() - variables_read()) == []


def test_the_environment_is_read_only_through_the_helpers():
    """A bare os.environ / os.getenv elsewhere in settings.py would escape the test above."""
    tree = settings_tree()
    inside_helpers = {
        id(node)
        for helper in tree.body
        if isinstance(helper, ast.FunctionDef) and helper.name in HELPERS
        for node in ast.walk(helper)
    }
    stray = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"environ", "getenv"}
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and id(node) not in inside_helpers
    ]
    assert stray == [], f"settings.py reads the environment directly on lines {stray}"
