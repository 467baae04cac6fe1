from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .client_ip import client_ip
from .models import AccessAction, AccessRecord


def access_record(
    *,
    request: HttpRequest | None = None,
    user=None,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    audit_id: int | None = None,
    path: str | None = None,
) -> AccessRecord:
    """Write one append-only record of who saw, changed, exported or was refused what.

    The record names the audit its object belongs to (`audit_id`, else found from `obj`, or from an
    audit's own object_id), and the request's page (`path`, else the request's full path)."""
    if user is None and request is not None:
        user = request.user
    if user is not None and not user.is_authenticated:
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        summary = summary or str(obj)[:300]
        audit_id = audit_id or audit_id_of(obj)
    elif object_type == "audits.audit" and object_id.isdigit():  # a refusal names the audit by its id
        audit_id = audit_id or int(object_id)
    if path is None:
        path = request.get_full_path() if request is not None else ""
    return AccessRecord.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:300],
        path=path[:500],
        ip_address=(client_ip(request) if request is not None else None),
        audit_id=audit_id,
    )


# What an object of an audit reaches its audit through, when it has no audit_id of its own: a
# judgement its case, a briefing's version or section its briefing, an attendance its session.
_TOWARDS_THE_AUDIT = ("case", "briefing", "session")


def audit_id_of(obj) -> int | None:
    """The audit `obj` belongs to, if any: itself, its audit_id, or its case's, briefing's or session's."""
    for _ in range(3):
        if obj is None:
            return None
        if obj._meta.label_lower == "audits.audit":
            return obj.pk
        if getattr(obj, "audit_id", None) is not None:
            return obj.audit_id
        obj = next((getattr(obj, name) for name in _TOWARDS_THE_AUDIT if getattr(obj, f"{name}_id", None)), None)
    return None


def sign_in_record(*, request: HttpRequest, device=None) -> AccessRecord:
    """The person of `request` has just signed in: they can use pages from now on. Called once per sign-in:
    after the password where no second factor is required (settings.MFA_REQUIRED off), else after the
    second factor (`device`, the app or the recovery codes), not after the password alone. A failed
    sign-in is not recorded here: django-axes keeps it (Administration → Axes)."""
    from django_otp.plugins.otp_static.models import StaticDevice

    if device is None:
        how = "password"
    elif isinstance(device, StaticDevice):
        how = "password and a recovery code"
    else:
        how = "password and authenticator app"
    return access_record(
        request=request, action=AccessAction.SIGN_IN, obj=request.user, summary=f"Signed in with {how}"
    )


def sign_out_record(*, request: HttpRequest) -> AccessRecord:
    """The person of `request` signs out (before the session ends, while they are still known)."""
    return access_record(request=request, action=AccessAction.SIGN_OUT, obj=request.user, summary="Signed out")


__all__ = ["AccessAction", "access_record", "sign_in_record", "sign_out_record"]


# --- Notices about a person's own account ---------------------------------------------------------

# What an administrator did to somebody's sign-in, as the notice and the access log say it.
ACCOUNT_CHANGES = {
    "password": gettext_lazy("set a new password for your account"),
    "authenticator": gettext_lazy("removed an authenticator app from your account"),
    "recovery_codes": gettext_lazy("removed the recovery codes of your account"),
    "authenticator_and_recovery_codes": gettext_lazy(
        "removed the authenticator app and the recovery codes of your account"
    ),
}


@dataclass(frozen=True)
class CommandLine:
    """A change made at the server's command line, not in a page: there is no portal account or request to
    record, so the access log says the command, the operator's OS user and the reason they gave."""

    command: str  # "manage.py reset_two_factor"
    os_user: str
    reason: str


def account_change_summary(*, person, change: str, command_line: CommandLine | None = None) -> str:
    """What the access log says of a change to `person`'s sign-in (account_change_record), in full: the
    record keeps the first 300 characters, so a command checks its reason fits before changing anything."""
    summary = f"Sign-in of {person.get_username()} changed: {change.replace('_', ' ')}"
    if command_line is not None:
        summary += (
            f", at the command line ({command_line.command}) by OS user {command_line.os_user}. "
            f"Reason: {command_line.reason}"
        )
    return summary


def account_change_record(
    *, request: HttpRequest | None, person, change: str, command_line: CommandLine | None = None
) -> AccessRecord:
    """An administrator changed how `person` signs in, in a page (`request`) or at the command line
    (`command_line`): record it, and tell them (by e-mail, once this transaction commits), so that a
    sign-in taken over by somebody else does not go unnoticed."""
    from .outbox import enqueue

    record = access_record(
        request=request,
        action=AccessAction.CHANGE,
        obj=person,
        summary=account_change_summary(person=person, change=change, command_line=command_line),
        path=command_line.command if command_line is not None else None,
    )
    by_id = request.user.pk if request is not None else None  # None: the notice says "an administrator"
    enqueue("agencies.tasks.notify_account_change", person.pk, change, by_id)
    return record


def second_factor_remove(
    *, person, devices, request: HttpRequest | None = None, command_line: CommandLine | None = None
) -> AccessRecord | None:
    """Remove `person`'s second-factor devices among `devices` (querysets of django-otp's TOTPDevice, the
    authenticator apps, and StaticDevice, the recovery codes with their unused tokens), as an administrator
    does for a lost phone or lost codes: in Administration (the OTP device pages) or, when no administrator
    can sign in to do it, at the server's command line (manage.py reset_two_factor).

    Without a confirmed authenticator app the person's next sign-in, after their password, sets up a new
    one and is given new recovery codes (agencies.views.mfa_verify); recovery codes still there do not
    stand in for an app they no longer have. Their sessions end (User.sessions_ended_at), also one that has
    got past the password but not the second factor: left open, it would now be sent to set up an app of
    its own choosing, so whoever has the password would enrol theirs. The new app is set up after a new
    sign-in with the password.

    One access record and one e-mail to the person for all that was removed (account_change_record);
    nothing when there was nothing of theirs to remove. Call it inside a transaction (the removal and its
    record are kept together)."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    kinds = {TOTPDevice: "authenticator", StaticDevice: "recovery_codes"}
    removed = []
    for queryset in devices:
        _total, by_model = queryset.filter(user=person).delete()
        if by_model.get(queryset.model._meta.label):
            removed.append(kinds[queryset.model])
    if not removed:
        return None
    person.sessions_ended_at = timezone.now()
    person.save(update_fields=["sessions_ended_at"])
    change = "_and_".join(kind for kind in kinds.values() if kind in removed)
    return account_change_record(request=request, person=person, change=change, command_line=command_line)


def _changed_by(by_id: int | None) -> str:
    """Who made a change to somebody's account, as the notice names them: their name (User.__str__),
    or "an administrator" when they are not known (or their account is gone)."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    return str(by) if by else _("an administrator")


def email_account_change(*, person_id: int, change: str, by_id: int | None) -> bool:
    """The notice of account_change_record. False when there is nobody (or no address) to tell."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.template.loader import render_to_string
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .mail import portal_mail_send
    from .models import Partnership

    users = get_user_model().objects
    person = users.filter(pk=person_id, is_active=True).first()
    if person is None or not person.email or change not in ACCOUNT_CHANGES:
        return False
    context = {
        "person": person,
        "what": ACCOUNT_CHANGES[change],
        "by": _changed_by(by_id),
        "at": timezone.localtime(),
        "partnership": Partnership.load(),
        "site_url": settings.SITE_URL,
    }
    body = render_to_string("emails/account_changed.txt", context)
    portal_mail_send(subject=_("Your sign-in to the audit portal was changed"), body=body, to=[person.email])
    return True


def masked_email(address: str) -> str:
    """An address as a notice shows it to somebody who may not be its owner: n***@example.org."""
    local, at, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def email_change_notify(*, request: HttpRequest, person, old_email: str) -> None:
    """An administrator changed `person`'s e-mail address (recorded by the caller with the rest of the
    change): tell the OLD address, once this transaction commits. Sign-in notices, and the notices of
    account_change_record, go to the address on the account, so changing it is how an account would
    be taken over without its owner hearing of anything else."""
    from django.utils import timezone

    from .outbox import enqueue

    if not old_email or old_email == person.email:
        return  # nothing changed, or no old address to tell
    at = timezone.now().isoformat()
    enqueue("agencies.tasks.notify_email_change", person.pk, old_email, person.email, request.user.pk, at)


def email_address_change(*, person_id: int, old_email: str, new_email: str, by_id: int | None, at: str) -> bool:
    """The notice of email_change_notify, to the old address: the new one partly masked, who changed it
    and when (the change's local time). False when the account is gone (deleted since)."""
    from datetime import datetime

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.template.loader import render_to_string
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .mail import portal_mail_send
    from .models import Partnership

    users = get_user_model().objects
    person = users.filter(pk=person_id).first()
    if person is None or not old_email:
        return False
    context = {
        "person": person,
        "new_address": masked_email(new_email) if new_email else "",
        "by": _changed_by(by_id),
        "at": timezone.localtime(datetime.fromisoformat(at)),
        "partnership": Partnership.load(),
        "site_url": settings.SITE_URL,
    }
    body = render_to_string("emails/email_changed.txt", context)
    portal_mail_send(subject=_("Your e-mail address for the audit portal was changed"), body=body, to=[old_email])
    return True


# --- A QA manager appointed ----------------------------------------------------------------------


def qa_manager_appointed(*, request: HttpRequest, person) -> AccessRecord:
    """`person` was just made an active QA manager (an account added with the role, given it, or a QA
    manager's account made active again) in Administration, whose administrator has no case access
    by design: the QA manager reads every return, board and briefing. Kept possible (a partnership
    appoints its QA manager), but not silent: recorded in the access log in its own words, and every
    other active QA manager is e-mailed who was given the role, by whom and when, once this
    transaction commits."""
    from .models import Role

    return _role_appointed(
        request=request,
        person=person,
        others=Q(role=Role.QA_MANAGER),
        said=("QA manager role given to", "other QA manager(s)", "no other QA manager to tell"),
        task="agencies.tasks.notify_qa_manager_appointed",
    )


def _role_appointed(*, request: HttpRequest, person, others: Q, said: tuple[str, str, str], task: str) -> AccessRecord:
    """`person` given a role that reads much (qa_manager_appointed, administrator_appointed): recorded in the
    access log in its own words (`said`: what was given, to whom it is told, nobody to tell), and the other
    active holders (`others`) with an address e-mailed by `task` once the transaction commits."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from .outbox import enqueue

    given, told_who, nobody = said
    to = list(
        get_user_model()
        .objects.filter(others, is_active=True)
        .exclude(pk=person.pk)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    by = request.user.get_username()
    told = f"{len(to)} {told_who} told by e-mail" if to else nobody
    record = access_record(
        request=request,
        action=AccessAction.CHANGE,
        obj=person,
        summary=f"{given} {person.get_username()} by {by}: {told}",
    )
    if to:
        enqueue(task, person.pk, request.user.pk, timezone.now().isoformat(), to)
    return record


def email_qa_manager_appointed(*, person_id: int, by_id: int | None, at: str, to: list[str]) -> bool:
    """The notice of qa_manager_appointed, to the QA managers there were then. False when the account
    is gone (deleted since)."""
    from django.utils.translation import gettext as _

    return _email_role_appointed(
        person_id=person_id,
        by_id=by_id,
        at=at,
        to=to,
        template="emails/qa_manager_appointed.txt",
        subject=_("A QA manager was appointed on the audit portal"),
    )


def _email_role_appointed(*, person_id: int, by_id: int | None, at: str, to: list[str], template: str, subject) -> bool:
    """The notice of _role_appointed, `template` with who was given the role, by whom and when."""
    from datetime import datetime

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.template.loader import render_to_string
    from django.utils import timezone

    from .mail import portal_mail_send
    from .models import Partnership

    person = get_user_model().objects.filter(pk=person_id).first()
    if person is None or not to:
        return False
    context = {
        "person": person,
        "by": _changed_by(by_id),
        "at": timezone.localtime(datetime.fromisoformat(at)),
        "partnership": Partnership.load(),
        "site_url": settings.SITE_URL,
    }
    body = render_to_string(template, context)
    portal_mail_send(subject=subject, body=body, to=list(to))
    return True


# --- An administrator appointed -------------------------------------------------------------------


def administrator_appointed(*, request: HttpRequest, person) -> AccessRecord:
    """`person` was just made an active administrator (an account added with the role, given it, or an
    administrator's account made active again) in Administration. The role opens Administration by itself
    (agencies.backends.PortalBackend): people and their roles, a QA manager's included, agencies, the
    partnership's settings, the access log, lockouts and lost authenticators. As a QA manager's appointment
    (qa_manager_appointed): recorded in the access log in its own words, and every other active
    administrator (a superuser too) is e-mailed who was given it, by whom and when, once this transaction
    commits; the one who gave it too, so that a role given from their account without them is seen."""
    from .models import Role

    return _role_appointed(
        request=request,
        person=person,
        others=Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True),
        said=("Administrator role given to", "other administrator(s)", "no other administrator to tell"),
        task="agencies.tasks.notify_administrator_appointed",
    )


def email_administrator_appointed(*, person_id: int, by_id: int | None, at: str, to: list[str]) -> bool:
    """The notice of administrator_appointed, to the administrators there were then. False when the
    account is gone (deleted since)."""
    from django.utils.translation import gettext as _

    return _email_role_appointed(
        person_id=person_id,
        by_id=by_id,
        at=at,
        to=to,
        template="emails/administrator_appointed.txt",
        subject=_("An administrator was appointed on the audit portal"),
    )


# --- A person who leaves ---------------------------------------------------------------------------


def board_access_end_on_leaving(*, person, before) -> bool:
    """Board access (the restricted full reports) ends when the account is deactivated: `person`, about to
    be saved, had it and is saved deactivated while `before` (as stored) was active. Unticked on `person`,
    to be saved with it (the caller records the change with the account's others). True when it was.

    A leaver's account is kept for who did what (not deleted), and may be made active again, for the same
    person coming back to another job or by mistake: the full reports would then be readable again unseen.
    Given again deliberately when needed. Not for a change of role or agency of an active person (the
    administrator is reminded that it stays: who reads the board's reports is the partnership's decision),
    nor for a board member outside the agencies (an administrator's account with board access), who keeps it
    while their account is active."""
    if before.is_active and not person.is_active and person.board_access:
        person.board_access = False
        return True
    return False


# --- A person's own profile -------------------------------------------------------------------------

# What a person chooses for themselves on their profile page (agencies.views.profile).
PROFILE_FIELDS = ("new_briefing_emails",)


def profile_update(*, request: HttpRequest, person, values: dict) -> list[str]:
    """Save a person's own choices (PROFILE_FIELDS) and record the change as an administrator's change to
    an account is: in the admin's history of the account and in the access log (which choice, from what
    to what; nothing else). Returns the names of the fields that changed (none: nothing written)."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.db import transaction

    with transaction.atomic():
        person = person._meta.model.objects.select_for_update().get(pk=person.pk)
        changed = [name for name in PROFILE_FIELDS if name in values and getattr(person, name) != values[name]]
        if not changed:
            return []
        for name in changed:
            setattr(person, name, values[name])
        person.save(update_fields=changed)
        labels = [str(person._meta.get_field(name).verbose_name) for name in changed]
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=[person],
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": labels}}],
            single_object=True,
        )
        what = "; ".join(
            f"{label}: {'yes' if getattr(person, name) else 'no'}" for name, label in zip(changed, labels, strict=True)
        )
        access_record(
            request=request,
            action=AccessAction.CHANGE,
            obj=person,
            summary=f"Profile of {person.get_username()} changed by themselves: {what}",
        )
    return changed


def transaction_lock(name: str) -> None:
    """Take PostgreSQL's advisory lock called `name` until the current transaction ends: callers that take
    the same name take turns, and a statement after it reads what the one before committed. Nothing on
    another database (the demo's SQLite writes one transaction at a time anyway)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
