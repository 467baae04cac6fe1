from celery import shared_task

from .outbox import MAIL_RETRY, run_once


@shared_task(name="agencies.tasks.flush_outbox")
def flush_outbox() -> int:
    """Periodic: publish the tasks that could not be queued while the broker was down."""
    from .outbox import outbox_flush

    return outbox_flush()


@shared_task(name="agencies.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Periodic: delete the sessions that have expired. A session can hold what someone typed before a
    password check (agencies.decorators.keep_posted_fields): it must not outlive the session in the
    database when its owner never comes back (Django leaves that to `clearsessions`)."""
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task(name="agencies.tasks.clear_old_sign_in_records")
def clear_old_sign_in_records() -> int:
    """Periodic: delete django-axes' records of sign-ins (username, address, browser, when signed in and out)
    older than settings.SIGN_IN_LOG_DAYS. Without it they were kept for ever: personal data about staff kept
    longer than needed. The portal's own access log (what was seen and changed) is not touched."""
    from axes.handlers.proxy import AxesProxyHandler
    from django.conf import settings

    return AxesProxyHandler.reset_logs(age_days=settings.SIGN_IN_LOG_DAYS)


@shared_task(name="agencies.tasks.notify_account_change", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per change, however often delivered
def notify_account_change(person_id: int, change: str, by_id: int | None = None) -> bool:
    """E-mail a person that an administrator changed how they sign in (agencies.services)."""
    from .services import email_account_change

    return email_account_change(person_id=person_id, change=change, by_id=by_id)


@shared_task(name="agencies.tasks.notify_email_change", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per change, however often delivered
def notify_email_change(person_id: int, old_email: str, new_email: str, by_id: int | None, at: str) -> bool:
    """E-mail a person's OLD address that an administrator changed it (agencies.services)."""
    from .services import email_address_change

    return email_address_change(person_id=person_id, old_email=old_email, new_email=new_email, by_id=by_id, at=at)


@shared_task(name="agencies.tasks.send_password_reset", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per request, however often delivered
def send_password_reset(email: str) -> int:
    """E-mail the accounts with this address a link to reset their password (agencies.passwords)."""
    from .passwords import email_password_reset

    return email_password_reset(email=email)


@shared_task(name="agencies.tasks.send_invitation", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per account added, however often delivered
def send_invitation(person_id: int, by_id: int | None = None) -> bool:
    """E-mail a person just added the link to choose their password (agencies.passwords)."""
    from .passwords import email_invitation

    return email_invitation(person_id=person_id, by_id=by_id)


@shared_task(name="agencies.tasks.notify_password_set", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per change, however often delivered
def notify_password_set(person_id: int, how: str, at: str) -> bool:
    """E-mail a person that their password was changed or reset (agencies.passwords)."""
    from .passwords import email_password_set

    return email_password_set(person_id=person_id, how=how, at=at)


@shared_task(name="agencies.tasks.notify_qa_manager_appointed", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per appointment, however often delivered
def notify_qa_manager_appointed(person_id: int, by_id: int | None, at: str, to: list[str]) -> bool:
    """E-mail the other QA managers that an account was given the QA manager role (agencies.services)."""
    from .services import email_qa_manager_appointed

    return email_qa_manager_appointed(person_id=person_id, by_id=by_id, at=at, to=to)


@shared_task(name="agencies.tasks.notify_administrator_appointed", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per appointment, however often delivered
def notify_administrator_appointed(person_id: int, by_id: int | None, at: str, to: list[str]) -> bool:
    """E-mail the other administrators that an account was given the administrator role (agencies.services)."""
    from .services import email_administrator_appointed

    return email_administrator_appointed(person_id=person_id, by_id=by_id, at=at, to=to)


@shared_task(name="agencies.tasks.notify_auditor_unable", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per audit affected, however often delivered
def notify_auditor_unable(participant_id: int, auditor_id: int) -> bool:
    """E-mail an audit's lead officer and the QA managers that an administrator's change left an agency
    without an auditor able to complete its returns (audits.services.participants)."""
    from audits.services.participants import email_auditor_unable

    return email_auditor_unable(participant_id=participant_id, auditor_id=auditor_id)


@shared_task(name="agencies.tasks.notify_lead_unable", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per audit affected, however often delivered
def notify_lead_unable(audit_id: int, lead_id: int) -> bool:
    """E-mail the QA managers that an administrator's change left an audit under way without a lead officer
    able to lead it (audits.services.participants)."""
    from audits.services.participants import email_lead_unable

    return email_lead_unable(audit_id=audit_id, lead_id=lead_id)


@shared_task(name="agencies.tasks.notify_replaced_auditor", **MAIL_RETRY)
@run_once  # sent through the outbox: one e-mail per change of auditor, however often delivered
def notify_replaced_auditor(participant_id: int, old_id: int, by_id: int | None = None) -> bool:
    """E-mail the auditor just replaced who continues the agency's returns (audits.services.participants).
    `by_id`, who replaced them (a reply goes to them), is absent from a message queued before it was given."""
    from audits.services.participants import email_replaced_auditor

    return email_replaced_auditor(participant_id=participant_id, old_id=old_id, by_id=by_id)
