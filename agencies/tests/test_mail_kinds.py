"""Every e-mail task the administrator may see under "E-mails not sent" is named there in words
(agencies.selectors.MAIL_KINDS), not by a name made from its task's ("Email new briefing")."""

from agencies.outbox import MailTask
from agencies.selectors import MAIL_KINDS
from auditportal.celery import app


def test_every_mail_task_has_a_kind_in_words():
    app.loader.import_default_modules()
    mail_tasks = {name for name, task in app.tasks.items() if isinstance(task, MailTask)}
    assert "briefings.tasks.email_new_briefing" in mail_tasks  # the registry was read
    assert mail_tasks - set(MAIL_KINDS) == set()


def test_no_kind_names_a_task_that_is_not_there():
    app.loader.import_default_modules()
    assert set(MAIL_KINDS) - set(app.tasks) == set()
