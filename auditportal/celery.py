import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditportal.settings")

# Where beat records when each periodic job last ran: beside the other files the portal writes (var/, which
# git ignores), whatever directory beat is started from. In the working directory (Celery's default) it was
# three untracked files in the checkout after each deploy; a service user that may write var/ but not the
# checkout could not start beat at all; and a beat started from another directory began a new record, so the
# runs missed while it was down (SCHEDULED_EMAIL_HOURS) were not made. `beat --schedule` still overrides.
BEAT_SCHEDULE_FILENAME = Path(__file__).resolve().parent.parent / "var" / "celerybeat-schedule"


class Scheduler(PersistentScheduler):
    """Celery's persistent scheduler, making the directory of its file first (var/ on a fresh checkout)."""

    def _open_schedule(self):
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open_schedule()


app = Celery("auditportal")
# Celery's own defaults replaced: the schedule file above, and the scheduler that makes its directory.
app.add_defaults(
    {"beat_schedule_filename": str(BEAT_SCHEDULE_FILENAME), "beat_scheduler": "auditportal.celery:Scheduler"}
)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
