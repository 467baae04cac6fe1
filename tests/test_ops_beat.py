"""Celery beat keeps its record of the periodic jobs' last runs in var/, whatever directory it is started
from (auditportal/celery.py): a run missed while beat was down is made when it is back only if beat finds
the record it left."""

import os
import subprocess
import sys
from pathlib import Path

from celery.apps.beat import Beat
from django.conf import settings

from auditportal.celery import BEAT_SCHEDULE_FILENAME, Scheduler, app

ROOT = Path(settings.BASE_DIR)


def test_beat_schedule_file_is_in_var_not_the_working_directory():
    beat = Beat(app=app)
    assert Path(beat.schedule) == ROOT / "var" / "celerybeat-schedule" == BEAT_SCHEDULE_FILENAME
    assert app.conf.beat_scheduler == "auditportal.celery:Scheduler"


def test_beat_started_elsewhere_finds_the_same_file(tmp_path):
    """Beat started from another directory (a unit's WorkingDirectory, `celery --workdir`) finds the same
    record, not one of its own in that directory."""
    probe = "from celery.apps.beat import Beat\nfrom auditportal.celery import app\nprint(Beat(app=app).schedule)\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / "var" / "celerybeat-schedule")


def test_the_scheduler_makes_the_directory_of_its_file(tmp_path):
    """var/ is not in the checkout: beat's first start makes it rather than fail to open its file."""
    filename = tmp_path / "var" / "celerybeat-schedule"
    scheduler = Scheduler(app=app, schedule_filename=str(filename), lazy=True)
    scheduler.setup_schedule()
    try:
        assert "outbox-flush" in scheduler.schedule
    finally:
        scheduler.close()
    assert filename.parent.is_dir() and list(filename.parent.glob("celerybeat-schedule*"))
