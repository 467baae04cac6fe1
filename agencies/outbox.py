"""A transactional outbox for Celery tasks: a request is never lost because the broker was down.

`enqueue()` writes the task into the database in the same transaction as the change that needs it,
and tries to publish it once that transaction commits. If Redis cannot be reached, the row stays
unsent and `outbox_flush()` (every minute, from Celery beat) publishes it when the broker is back.
A message of a `@run_once` task published an hour ago and still not done (Redis lost its queue: a crash
without persistence, a flush; or the task gave up on a mail server that did not answer) is published
again, hourly, for up to a day. Delivery is at least once, so the tasks sent this way are idempotent or
harmless to repeat: a message is published under a task id of its own (`outbox-<pk>`), so that a task
whose effect must not happen twice (an e-mail) is marked `@run_once` and does its work once per message,
however often the message is delivered. Published again, a message may run at any hour: the e-mails that
go to people on a timetable (Part A reminders, reviewers' and recommendation owners' digests) check the hours
themselves and are left to the next scheduled run when delivered outside them
(agencies.working_days.scheduled_run_day).
"""

import functools
import logging
from datetime import datetime, timedelta
from importlib import import_module

from celery import Task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# Publishing retries briefly, then gives up: the request must not hang on a dead broker.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
FLUSH_AFTER = timedelta(seconds=30)


TASK_ID_PREFIX = "outbox-"


def enqueue(task_name: str, *args, **kwargs) -> OutboxMessage:
    return outbox_add(OutboxMessage(task=task_name, args=list(args), kwargs=kwargs))


def outbox_add(message: OutboxMessage) -> OutboxMessage:
    """Write `message` (unsaved: a task, its arguments, and what else the row records) and publish it once
    the transaction commits. enqueue() for a message that is its task and arguments alone."""
    message.save()
    transaction.on_commit(lambda: outbox_send(message_id=message.pk), robust=True)
    return message


def outbox_send(*, message_id: int, published_before: datetime | None = None) -> bool:
    """Publish one unsent message. True when it is on the queue (or was already).

    With `published_before`: publish it again if it was published before then and is still not done
    (its task's row lock, held by a copy running now, makes this skip it)."""
    from auditportal.celery import app

    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None:
            return False  # another process holds it right now
        if message.sent_at is not None:
            if published_before is None or message.done_at is not None or message.sent_at >= published_before:
                return True
            logger.warning(
                "outbox: %s (message %s) published at %s and still not done; publishing it again",
                message.task,
                message.pk,
                message.sent_at.isoformat(timespec="seconds"),
            )
        try:
            # Through the registered task, so that eager mode (the demo) runs it in-process. Its
            # module is imported first: a web process only knows the tasks it has imported.
            import_module(message.task.rsplit(".", 1)[0])
            app.tasks[message.task].apply_async(
                args=message.args,
                kwargs=message.kwargs,
                task_id=f"{TASK_ID_PREFIX}{message.pk}",
                retry=True,
                retry_policy=RETRY_POLICY,
            )
        except Exception as exc:  # noqa: BLE001 - kombu, redis and socket errors all mean "try later"
            logger.warning("outbox: %s not published, will retry: %s", message.task, exc)
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at = timezone.now()
        message.attempts += 1
        message.save(update_fields=["sent_at", "attempts"])
        return True


KEEP_SENT = timedelta(days=7)
# An e-mail not sent: failed for good and not done since (mail_failed, _give_up); the administrator's home page
# lists these (agencies.selectors.mails_not_sent), and "Try them again" publishes them again (mail_retry_failed).
NOT_SENT = Q(failed_at__isnull=False, done_at__isnull=True)
# ... except an e-mail that failed for good and was not sent since: listed on the administrator's home page ("E-mails
# not sent") for this long after it was queued, so that an administrator who looks in once a week or comes back from
# leave still sees it and can try it again; older, it is deleted, as nobody is likely to want it sent any more.
KEEP_FAILED = timedelta(days=30)
# The client address a password link was asked from (OutboxMessage.ip_address) is kept as long as its limit per
# client address counts it (agencies.passwords.RATE_WINDOW, an hour), then cleared: a message may stay in the
# outbox for days (sent, kept a week; failed for good, listed for KEEP_FAILED).
KEEP_CLIENT_ADDRESS = timedelta(hours=1)


# A run_once message still not done this long after it was published is published again: longer than a
# task's retries over a mail server that does not answer (MAIL_RETRY: about half an hour), so that a
# message still on the queue is seldom doubled (and if it is, run_once does its work once).
REPUBLISH_AFTER = timedelta(hours=1)
# ... for this long after it was written: a task that fails every time is not published for ever.
REPUBLISH_FOR = timedelta(days=1)


def _is_run_once(task_name: str) -> bool:
    from auditportal.celery import app

    try:
        import_module(task_name.rsplit(".", 1)[0])
        return getattr(app.tasks[task_name].run, "outbox_run_once", False)
    except (ImportError, KeyError):
        return False


def outbox_flush(*, older_than: timedelta = FLUSH_AFTER, republish_after: timedelta = REPUBLISH_AFTER) -> int:
    """Publish what earlier attempts could not, and again the run_once messages published
    `republish_after` ago and still not done, whose copy Redis lost. Returns how many were published."""
    now = timezone.now()
    listed = NOT_SENT & Q(created_at__gte=now - KEEP_FAILED)
    OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).exclude(listed).delete()
    OutboxMessage.objects.filter(ip_address__isnull=False, created_at__lt=now - KEEP_CLIENT_ADDRESS).update(
        ip_address=None
    )
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=now - older_than).order_by("pk")
    published = sum(outbox_send(message_id=pk) for pk in pending.values_list("pk", flat=True)[:500])
    lost = OutboxMessage.objects.filter(
        sent_at__lt=now - republish_after, done_at__isnull=True, created_at__gte=now - REPUBLISH_FOR
    )
    # Only run_once tasks mark their message done; the others (a render, with a requeue of its own) never do.
    tasks = [name for name in lost.values_list("task", flat=True).distinct() if _is_run_once(name)]
    again = lost.filter(task__in=tasks).order_by("pk").values_list("pk", flat=True)[:500]
    published_before = now - republish_after
    _give_up(now, published_before)
    return published + sum(outbox_send(message_id=pk, published_before=published_before) for pk in again)


def _give_up(now: datetime, published_before: datetime) -> None:
    """The run_once messages (e-mails) the outbox no longer publishes again, written more than
    REPUBLISH_FOR ago and never done, marked failed (if their task's failure did not mark them already):
    the administrator's home page lists them. Only once their last publishing is `published_before` (an hour,
    longer than a task's retries): one the administrator tried again ("Try them again", an e-mail days old) is
    left to be sent, not listed as not sent again within the minute while its task is still at it."""
    given_up = OutboxMessage.objects.filter(
        sent_at__lt=published_before, done_at__isnull=True, failed_at__isnull=True, created_at__lt=now - REPUBLISH_FOR
    )
    tasks = [name for name in given_up.values_list("task", flat=True).distinct() if _is_run_once(name)]
    if tasks:
        count = given_up.filter(task__in=tasks).update(failed_at=now)
        logger.error("outbox: %s e-mail(s) not done a day after they were written; no longer published again", count)


def mail_failed(*, task_id: str | None, exc: BaseException) -> None:
    """An e-mail task sent through the outbox failed for good (its retries ran out, or it raised something
    they do not mend): mark its message failed, with whom it was for masked, for the administrator's home page.
    A later delivery that sends it (the outbox's hourly republishing, or the administrator's "try again")
    marks it done, which takes it off the list."""
    from .services import masked_email

    task_id = str(task_id or "")
    number = task_id.removeprefix(TASK_ID_PREFIX)
    if not task_id.startswith(TASK_ID_PREFIX) or not number.isdigit():
        return
    to = getattr(exc, "portal_mail_to", None) or []
    changes = {"failed_at": timezone.now(), "last_error": f"{type(exc).__name__}: {exc}"[:500]}
    if to:
        changes["failed_to"] = ", ".join(masked_email(address) for address in to)[:300]
    try:
        OutboxMessage.objects.filter(pk=int(number), done_at__isnull=True).update(**changes)
    except Exception:  # noqa: BLE001 - the failure is in the worker's log whatever happens here
        logger.exception("outbox: could not mark message %s failed", number)


def mails_failed_supersede(*, task_name: str, first_args: list) -> int:
    """The e-mails not sent of `task_name` whose first argument is one of `first_args` (Part A reminders, by
    auditor), marked done because a new one of the same kind is queued to each of them (the auditor's reminder
    of a later run, listed in their place if it fails too): they leave the administrator's list, "try them
    again" leaves them be, and the outbox stops publishing them again. Returns how many."""
    if not first_args:
        return 0
    return OutboxMessage.objects.filter(NOT_SENT, task=task_name, args__0__in=list(first_args)).update(
        done_at=timezone.now()
    )


class MailTask(Task):
    """The base of the e-mail tasks (MAIL_RETRY): a task that fails for good marks its outbox message."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        mail_failed(task_id=task_id, exc=exc)
        super().on_failure(exc, task_id, args, kwargs, einfo)


def mail_retry_failed(*, request) -> int:
    """The administrator's "Try them again": each e-mail not sent is published again now (with its task's
    retries), recorded in the access log. Returns how many."""
    from .services import access_record

    with transaction.atomic():
        ids = list(OutboxMessage.objects.select_for_update().filter(NOT_SENT).values_list("pk", flat=True))
        if not ids:
            return 0
        OutboxMessage.objects.filter(pk__in=ids).update(failed_at=None, sent_at=None)
        access_record(
            request=request,
            action="change",
            object_type="agencies.outboxmessage",
            object_id=",".join(str(pk) for pk in ids)[:60],
            summary=f"E-mails not sent tried again: {len(ids)}",
        )
        for pk in ids:
            transaction.on_commit(lambda pk=pk: outbox_send(message_id=pk), robust=True)
    return len(ids)


def outbox_pending() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


# How an e-mail task retries when the mail server cannot be reached (SMTP errors are OSErrors):
# five times, Celery's exponential backoff from a minute (with jitter), at most an hour apart.
# Its base (MailTask) marks the outbox message failed once they run out.
MAIL_RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "max_retries": 5,
    "base": MailTask,
}


def run_once(func):
    """For a task sent through the outbox whose work must be done once per message: an e-mail.

    Celery acknowledges a task only once it is done (a worker that dies after the task's commit but
    before the acknowledgement has it redelivered), and the outbox publishes again a message whose
    "sent" mark was lost, or that is still not done an hour after it was published (Redis lost it, or
    it is merely late): each would send the e-mail again. Here the task runs in a transaction
    holding its outbox message's row, and marks the message done in it; a copy that finds it done
    does nothing, and a copy running at the same time waits for the first. The e-mail is sent inside
    that transaction, so a failed send (retried by Celery) leaves it not done — and a send that
    raised after the mail server took the message is still sent again by the retry, which no
    database can rule out. A task that returns False (its e-mail no longer due, nothing sent) has its
    message marked skipped as well as done. Called otherwise (directly, or with a task id not from the outbox), the
    task just runs."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from celery import current_task

        task_id = str(getattr(getattr(current_task, "request", None), "id", None) or "")
        number = task_id.removeprefix(TASK_ID_PREFIX)
        if not task_id.startswith(TASK_ID_PREFIX) or not number.isdigit():
            return func(*args, **kwargs)
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(pk=int(number)).first()
            if message is not None and message.done_at is not None:
                logger.info("outbox: %s (message %s) was done already; not run again", message.task, message.pk)
                return None
            result = func(*args, **kwargs)
            if message is not None:
                message.done_at = timezone.now()
                message.skipped = result is False  # nothing to do (an e-mail no longer due): not sent
                message.save(update_fields=["done_at", "skipped"])
        return result

    wrapper.outbox_run_once = True  # outbox_flush publishes again such a message that Redis lost
    return wrapper
