"""Celery tasks for briefings: thin, they take ids and call a service."""

from __future__ import annotations

from django.conf import settings

from agencies.outbox import MAIL_RETRY, run_once
from auditportal.celery import app

from . import services


@app.task(
    name="briefings.tasks.render_briefing_version",
    # Acknowledged only once done, and handed to another worker if this one dies mid-render:
    # the render is idempotent per (briefing, version), so running it twice is harmless.
    acks_late=True,
    reject_on_worker_lost=True,
    # Both limits stay below the broker's visibility timeout (settings: 4 × the hard limit),
    # so a long render is never delivered to a second worker while the first is still on it.
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    ignore_result=True,
)
def render_briefing_version(version_id: int) -> str | None:
    version = services.briefing_version_render(version_id=version_id)
    return version.status if version is not None else None


@app.task(name="briefings.tasks.requeue_stalled_versions", ignore_result=True)
def requeue_stalled_versions() -> list[int]:
    services.remove_orphan_render_files()
    return services.requeue_stalled_versions()


@app.task(name="briefings.tasks.notify_version_withdrawn", ignore_result=True)
@run_once
def notify_version_withdrawn(version_id: int) -> int:
    """Queue the e-mails about a withdrawn version, one per person, once (services.version_withdrawn_notify)."""
    return services.version_withdrawn_notify(version_id=version_id)


@app.task(name="briefings.tasks.email_version_withdrawn", ignore_result=True, **MAIL_RETRY)
@run_once
def email_version_withdrawn(version_id: int, user_id: int) -> bool:
    """Ask one person to delete their copy of a withdrawn version (services.email_version_withdrawn)."""
    return services.email_version_withdrawn(version_id=version_id, user_id=user_id)


@app.task(name="briefings.tasks.notify_version_published", ignore_result=True)
@run_once
def notify_version_published(version_id: int) -> int:
    """Queue the e-mails about an edition's first publication, one per person, once
    (services.version_published_notify)."""
    return services.version_published_notify(version_id=version_id)


@app.task(name="briefings.tasks.email_version_published", ignore_result=True, **MAIL_RETRY)
@run_once
def email_version_published(version_id: int, user_id: int) -> bool:
    """Tell one auditor or the lead officer an edition is published (services.email_version_published)."""
    return services.email_version_published(version_id=version_id, user_id=user_id)


@app.task(name="briefings.tasks.email_new_briefing", ignore_result=True, **MAIL_RETRY)
@run_once
def email_new_briefing(version_id: int, user_id: int) -> bool:
    """Tell one reader an edition they may read is published (services.email_new_briefing)."""
    return services.email_new_briefing(version_id=version_id, user_id=user_id)
