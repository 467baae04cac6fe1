"""Backups: a pg_dump of the database restored into an empty database passes the app's own checks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from agencies.models import AccessAction
from agencies.services import access_record
from audits.models import PartAReturn

ROOT = Path(settings.BASE_DIR)


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    assert candidates, f"{name} not found"
    return str(candidates[-1])


def db_env(db: dict) -> dict[str, str]:
    return {
        **os.environ,
        "PGHOST": db["HOST"],
        "PGPORT": str(db["PORT"]),
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"],
    }


@pytest.mark.django_db(transaction=True)
def test_dump_restores_into_an_empty_database_that_passes_the_app_checks(tmp_path, audit):
    assert connection.vendor == "postgresql"
    db = settings.DATABASES["default"]
    env = db_env(db)
    dump = tmp_path / "auditportal.dump"
    restored = f"{db['NAME']}_restore"
    access_record(action=AccessAction.VIEW, obj=audit)

    # What the README documents: a custom-format dump, restored with pg_restore into a new database.
    subprocess.run(
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), db["NAME"]], env=env, check=True
    )
    subprocess.run([pg_tool("dropdb"), "--if-exists", restored], env=env, check=True)
    subprocess.run([pg_tool("createdb"), restored], env=env, check=True)
    try:
        subprocess.run([pg_tool("pg_restore"), "--no-owner", "--dbname", restored, str(dump)], env=env, check=True)
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{restored}"
        app_env = {**os.environ, "DATABASE_URL": url}
        for args in (["migrate", "--check"], ["check", "--database", "default"]):
            result = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=app_env, capture_output=True, text=True, timeout=120
            )
            assert result.returncode == 0, result.stdout + result.stderr
        count = subprocess.run(
            [pg_tool("psql"), "-tA", "-d", restored, "-c", "SELECT count(*) FROM audits_partareturn"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        assert int(count.stdout.strip()) == PartAReturn.objects.count() == 4
        # The append-only trigger on the access log comes back with the restore.
        refused = subprocess.run(
            [pg_tool("psql"), "-d", restored, "-v", "ON_ERROR_STOP=1", "-c", "DELETE FROM agencies_accessrecord"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0 and "append-only" in refused.stderr
    finally:
        subprocess.run([pg_tool("dropdb"), "--if-exists", restored], env=env, check=True)
