import ipaddress
import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_noop

from audits.models import Audit, AuditAgency, AuditStatus

from .models import Agency, Partnership, Role, User


@dataclass(frozen=True)
class Capabilities:
    """What a user's navigation offers. Access itself is checked per object in every view."""

    authenticated: bool = False
    qa_manager: bool = False
    lead_officer: bool = False
    auditor: bool = False
    administrator: bool = False
    reader: bool = False
    # Owns a recommendation: its reminders go to the person's own address (My recommendations).
    recommendation_owner: bool = False

    @property
    def runs_audits(self) -> bool:
        return self.qa_manager or self.lead_officer


def assignments_of(user) -> tuple[bool, bool, bool]:
    """(leads an audit?, named auditor of an audit past planning?, owns a recommendation, its reminders
    going to their own address, of an audit not cancelled? (audits.selectors.insights.owned_recommendations)):
    one query, three EXISTS."""
    from audits.selectors.insights import owned_recommendations

    return (
        User.objects.filter(pk=user.pk)
        .values_list(
            Exists(Audit.objects.filter(lead_officer=OuterRef("pk"))),
            Exists(AuditAgency.objects.filter(auditor=OuterRef("pk")).exclude(audit__status=AuditStatus.PLANNING)),
            Exists(owned_recommendations(user)),
        )
        .get()
    )


def user_capabilities(user, assignments: tuple[bool, bool, bool] | None = None) -> Capabilities:
    """What the user's navigation offers; `assignments` as assignments_of returns them, if known."""
    if user is None or not user.is_authenticated:
        return Capabilities()
    lead_officer, auditor, owner = assignments if assignments is not None else assignments_of(user)
    # An administrator named lead officer or auditor (before the role was given) reads none of it:
    # the navigation does not offer what would be refused (User.has_case_access).
    lead_officer, auditor = (lead_officer, auditor) if user.has_case_access else (False, False)
    return Capabilities(
        authenticated=True,
        qa_manager=user.is_qa_manager,
        lead_officer=lead_officer,
        auditor=auditor,
        administrator=user.is_administrator,
        reader=user.case_agency_id is not None or user.is_qa_manager,
        recommendation_owner=owner,
    )


NAV_ASSIGNMENTS = "nav_assignments"


def remember_assignments(session, user, stamp: float) -> None:
    """Keep assignments_of(user) in the session, marked with the renewal time `stamp`. Called when
    the session is written anyway: at sign-in and at each renewal (SessionLimitsMiddleware)."""
    session[NAV_ASSIGNMENTS] = [stamp, user.pk, *assignments_of(user)]


def navigation_capabilities(request) -> Capabilities:
    """user_capabilities for the navigation of every page, with the assignments read at sign-in
    and at each session renewal (at most a minute ago) instead of on every page. A new assignment
    shows in the menu within the minute; what a page shows is checked per object in its view,
    never from these."""
    user, session = getattr(request, "user", None), getattr(request, "session", None)
    if session is None or user is None or not user.is_authenticated:
        return user_capabilities(user)
    from .middleware import RENEWED_AT

    kept = session.get(NAV_ASSIGNMENTS)
    # A session kept before the recommendations' owner was remembered (four items) reads them afresh.
    if kept is not None and len(kept) == 5 and kept[:2] == [session.get(RENEWED_AT), user.pk]:
        return user_capabilities(user, (kept[2], kept[3], kept[4]))
    return user_capabilities(user)


# Records about people, agencies, the partnership's settings, groups and lockouts: their summaries name
# no case content. Those about audits and briefings can (a case, a finding's heading, a reviewer's
# reason), so their summaries are for the QA manager, who reads the case content itself, not for the
# administrator.
SUMMARIES_WITHOUT_CASE_CONTENT = ("agencies.", "auth.", "axes.")


def summary_without_case_content(record) -> bool:
    return record.object_type.startswith(SUMMARIES_WITHOUT_CASE_CONTENT)


def access_records_matching(
    *,
    q: str = "",
    action: str = "",
    since=None,
    until=None,
    person: str = "",
    audit=None,
    object_type: str = "",
    case_summaries: bool = True,
):
    """The access log, newest first, with each record's audit. The text `q` is looked for in the person,
    the summary, the page and the object's id, and, if it is an IP address, is the address the request came
    from. Without case_summaries a search does not look into the summaries the administrator is not shown
    (which would tell them what those say)."""
    from .models import AccessRecord

    records = AccessRecord.objects.select_related("audit")
    if q:
        in_summary = _summary_matching(q)
        if not case_summaries:
            in_summary &= reduce(or_, (Q(object_type__startswith=prefix) for prefix in SUMMARIES_WITHOUT_CASE_CONTENT))
        matching = Q(username__icontains=q) | in_summary | Q(path__icontains=q) | Q(object_id=q)
        if address := _address(q):  # what came from one address, whoever was signed in
            matching |= Q(ip_address=address)
        records = records.filter(matching)
    if action:
        records = records.filter(action=action)
    if since:
        records = records.filter(at__date__gte=since)
    if until:
        records = records.filter(at__date__lte=until)
    if person:
        records = records.filter(username=person)
    if audit is not None:
        records = records.filter(_about_audit(audit))
    if object_type:
        records = records.filter(object_type=object_type)
    return records.order_by("-at", "-pk")


def _address(q: str) -> str | None:
    """`q` as an IP address, written as the log stores it; None if it is not one. An IPv6 address's zone
    ("%eth0") is left out, as the log leaves it out (PostgreSQL's address type refuses one)."""
    try:
        address = ipaddress.ip_address(q.strip())
    except ValueError:
        return None
    return str(type(address)(int(address)))


def _summary_matching(q: str) -> Q:
    """A summary containing `q`; a number at either end of it is matched whole, so that "Case 3" finds
    Case 3 and not Case 30 to 39."""
    if not (q[:1].isdigit() or q[-1:].isdigit()):
        return Q(summary__icontains=q)
    pattern = re.escape(q)
    if q[:1].isdigit():
        pattern = "(^|[^0-9])" + pattern
    if q[-1:].isdigit():
        pattern += "([^0-9]|$)"
    return Q(summary__iregex=pattern)


def _about_audit(audit) -> Q:
    """The records about one audit: those naming it (every record written since AccessRecord.audit
    exists), and earlier ones by their page under /audits/<slug>/ or their object: the audit itself,
    one of its returns or one of its cases."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from audits.models import Case, PartAReturn

    def ids(queryset):
        return queryset.filter(audit=audit).annotate(text_pk=Cast("pk", CharField())).values("text_pk")

    earlier = (
        Q(path__startswith=f"/audits/{audit.slug}/")
        | Q(object_type="audits.audit", object_id=str(audit.pk))
        | Q(object_type="audits.partareturn", object_id__in=ids(PartAReturn.objects.order_by()))
        | Q(object_type="audits.case", object_id__in=ids(Case.objects.order_by()))
    )
    return Q(audit=audit) | (Q(audit__isnull=True) & earlier)


def published_identifier_keys() -> set[str]:
    """identifier_key of every number and address the partnership publishes: its support contacts'
    phones, e-mails and descriptions, and its own contact e-mail. Text that quotes them is not about a
    child, so the identifier guard lets them pass. One query."""
    from django.db.models import CharField, Value

    from audits.identifiers import find_identifiers, identifier_key

    from .models import Partnership, SupportContact

    blank = Value("", output_field=CharField())
    rows = (
        SupportContact.objects.order_by()
        .values_list("phone", "email", "description")
        .union(Partnership.objects.order_by().values_list("contact_email", blank, blank), all=True)
    )
    return {identifier_key(match) for row in rows for text in row for match in find_identifiers(text or "")}


def first_steps(user) -> dict[str, bool] | None:
    """Which of a new partnership's first steps in Administration are done (README, "Create the first
    administrator"): the partnership named, with its contact e-mail address (its name starts every e-mail's
    subject; people are told to write to that address, which until it is set invitations and refusals cannot
    give), the administrator's own name given (each invitation says who added the person), agencies, people
    and a QA manager added. None once all are done, so that the administrator's home page lists them only
    while one is left."""
    partnership = Partnership.load()
    steps = {
        "named": partnership.name != Partnership._meta.get_field("name").default
        and bool(partnership.contact_email.strip()),
        "own_name": bool(user.first_name.strip() and user.last_name.strip()),
        "agencies": Agency.objects.exists(),
        "people": User.objects.exclude(pk=user.pk).exclude(role=Role.ADMINISTRATOR).exists(),
        "qa_manager": User.objects.filter(role=Role.QA_MANAGER, is_active=True).exists(),
    }
    return None if all(steps.values()) else steps


# --- Addresses of people who left ---------------------------------------------------------------


def deactivated_addresses(addresses) -> frozenset[str]:
    """Of these e-mail addresses, those (lower case) of a deactivated account: somebody who left (the
    administrator deactivates a leaver's account; an address is one account's, whatever its case). Not an
    address outside the portal. One query, none for no address."""
    from django.db.models.functions import Lower

    wanted = {address.lower() for address in addresses if address}
    if not wanted:
        return frozenset()
    return frozenset(
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=wanted, is_active=False)
        .order_by()
        .values_list("address", flat=True)
    )


@dataclass(frozen=True)
class LeaverAddress:
    """An address people are told to write to, or an agency's reminders go to, that is a leaver's."""

    where: str  # what gives the address, as the administrator changes it
    address: str
    url: str  # the admin page to change it on


def leavers_addresses() -> list[LeaverAddress]:
    """The addresses the portal still gives out that are deactivated accounts' (deactivated_addresses): the
    partnership's contact address (every e-mail's reply address, and people are told to write to it), its
    support contacts' (printed in briefings) and the agencies' leads' (reminded about the recommendations
    their agency owns). For the administrator's home page, to give each a new address. Three queries (the
    partnership's settings come from the cache)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .models import SupportContact

    settings_url = reverse("admin:agencies_partnership_changelist")
    given = [(_("The partnership's contact address"), Partnership.load().contact_email, settings_url)]
    for contact in SupportContact.objects.exclude(email="").order_by("order", "pk"):
        given.append((_("The support contact “%(name)s”") % {"name": contact.name}, contact.email, settings_url))
    for agency in Agency.objects.exclude(lead_email="").order_by("name"):
        url = reverse("admin:agencies_agency_change", args=[agency.pk])
        given.append((_("The lead's e-mail of %(agency)s") % {"agency": agency.name}, agency.lead_email, url))
    left = deactivated_addresses(address for _where, address, _url in given)
    return [
        LeaverAddress(where=where, address=address, url=url)
        for where, address, url in given
        if address and address.lower() in left
    ]


# What each e-mail task sends, as the administrator's home page names it (never the e-mail's content);
# translated when shown.
MAIL_KINDS = {
    "agencies.tasks.notify_account_change": gettext_noop("Notice of a change to an account"),
    "agencies.tasks.notify_email_change": gettext_noop("Notice of a changed e-mail address"),
    "agencies.tasks.send_password_reset": gettext_noop("Link to set a forgotten password"),
    "agencies.tasks.send_invitation": gettext_noop("Invitation to the portal"),
    "agencies.tasks.notify_password_set": gettext_noop("Notice of a password set"),
    "agencies.tasks.notify_qa_manager_appointed": gettext_noop("Notice of a QA manager appointed"),
    "agencies.tasks.notify_administrator_appointed": gettext_noop("Notice of an administrator appointed"),
    "agencies.tasks.notify_auditor_unable": gettext_noop("Notice of an auditor unable to audit"),
    "agencies.tasks.notify_lead_unable": gettext_noop("Notice to an agency's lead of an auditor unable"),
    "agencies.tasks.notify_replaced_auditor": gettext_noop("Notice to a replaced auditor"),
    "audits.tasks.send_part_a_reminder": gettext_noop("Part A reminder"),
    "audits.tasks.notify_auditor": gettext_noop("Notice about a Part A return"),
    "audits.tasks.send_chase": gettext_noop("Chaser for a Part A return"),
    "audits.tasks.notify_new_auditor": gettext_noop("Notice to a new auditor"),
    "audits.tasks.notify_part_a_open": gettext_noop("Part A open"),
    "audits.tasks.notify_lead_part_a_open": gettext_noop("Part A open, to an agency's lead"),
    "audits.tasks.send_review_digest": gettext_noop("Reviewer's digest"),
    "audits.tasks.notify_part_b_open": gettext_noop("Part B open"),
    "audits.tasks.notify_audit_cancelled": gettext_noop("Notice of an audit cancelled"),
    "audits.tasks.email_plan_changed": gettext_noop("Notice of a changed audit plan"),
    "audits.tasks.send_recommendation_digest": gettext_noop("Recommendations digest"),
    "audits.tasks.notify_recommendation_assigned": gettext_noop("Notice of a recommendation assigned"),
    "audits.tasks.notify_recommendation_unassigned": gettext_noop("Notice of a recommendation no longer owned"),
    "audits.tasks.notify_recommendation_due_moved": gettext_noop("Notice of a recommendation's due date moved"),
    "audits.tasks.notify_recommendations_cancelled": gettext_noop("Notice of recommendations cancelled"),
    "briefings.tasks.email_new_briefing": gettext_noop("Notice of a new briefing"),
    "briefings.tasks.email_version_published": gettext_noop("Notice of a briefing published"),
    "briefings.tasks.email_version_withdrawn": gettext_noop("Notice of a briefing withdrawn"),
}
MAIL_NOT_SENT_SHOWN = 10


@dataclass(frozen=True)
class MailNotSent:
    kind: str
    queued_at: object  # datetime
    to: str  # masked (masked_email), never in full
    error: str  # the error's kind only ("SMTPRecipientsRefused"), not its text


@dataclass(frozen=True)
class MailsNotSent:
    count: int
    shown: list[MailNotSent]


def mails_not_sent() -> MailsNotSent:
    """The e-mails the outbox gave up on, or whose task failed for good after its retries, and not sent
    since (agencies.outbox.mail_failed): how many, and the latest MAIL_NOT_SENT_SHOWN, by kind, when queued
    and to whom (masked). Nothing of their content. One query (the count a window over the same rows)."""
    from django.db.models import Count, Window
    from django.utils.translation import gettext as _

    from .models import OutboxMessage
    from .outbox import NOT_SENT

    rows = list(
        OutboxMessage.objects.filter(NOT_SENT)
        .annotate(total=Window(Count("pk")))
        .order_by("-created_at", "-pk")
        .values_list("task", "created_at", "failed_to", "last_error", "total")[:MAIL_NOT_SENT_SHOWN]
    )
    shown = [
        MailNotSent(
            kind=_(MAIL_KINDS[task]) if task in MAIL_KINDS else task.rsplit(".", 1)[-1].replace("_", " ").capitalize(),
            queued_at=created_at,
            to=failed_to or "—",
            error=error.split(":", 1)[0],
        )
        for task, created_at, failed_to, error, _total in rows
    ]
    return MailsNotSent(count=rows[0][4] if rows else 0, shown=shown)


# --- Audit work a person did, or was named for ----------------------------------------------------------

# Each record of audits and briefings that names a person for their work (model, field, what it says of
# them, with the number of records). Deleting the person would clear their name from it (on_delete SET_NULL:
# an audit's lead officer or an agency's named auditor left unnamed, "last saved by" and the history's
# authors blanked) or delete it with them (CASCADE: the reminders that chased them, the reports they asked
# for): the administrator deactivates them instead (UserAdmin.get_deleted_objects).
AUDIT_WORK = (
    ("audits.Audit", "lead_officer", "lead officer of %(count)d audit", "lead officer of %(count)d audits"),
    (
        "audits.AuditAgency",
        "auditor",
        "named auditor of %(count)d agency in an audit",
        "named auditor of %(count)d agencies in audits",
    ),
    ("audits.Audit", "cancelled_by", "cancelled %(count)d audit", "cancelled %(count)d audits"),
    (
        "audits.PartAReturn",
        "last_saved_by",
        "last saved %(count)d Part A return",
        "last saved %(count)d Part A returns",
    ),
    (
        "audits.HistoricalPartAReturn",
        "history_user",
        "%(count)d change to Part A returns (saved or reviewed)",
        "%(count)d changes to Part A returns (saved or reviewed)",
    ),
    (
        "audits.HistoricalAnswer",
        "history_user",
        "%(count)d change to Part A answers",
        "%(count)d changes to Part A answers",
    ),
    (
        "audits.CaseJudgement",
        "recorded_by",
        "recorded %(count)d Part B judgement",
        "recorded %(count)d Part B judgements",
    ),
    (
        "audits.HistoricalCaseJudgement",
        "history_user",
        "%(count)d change to Part B judgements",
        "%(count)d changes to Part B judgements",
    ),
    ("audits.HistoricalFinding", "history_user", "%(count)d change to findings", "%(count)d changes to findings"),
    (
        "audits.HistoricalRecommendation",
        "history_user",
        "%(count)d change to recommendations",
        "%(count)d changes to recommendations",
    ),
    (
        "audits.ReminderLog",
        "auditor",
        "%(count)d reminder sent to them (the chase log)",
        "%(count)d reminders sent to them (the chase log)",
    ),
    ("audits.ReminderLog", "sent_by", "sent %(count)d reminder", "sent %(count)d reminders"),
    ("audits.InsightReport", "requested_by", "asked for %(count)d report", "asked for %(count)d reports"),
    (
        "briefings.Briefing",
        "details_updated_by",
        "updated the details of %(count)d briefing",
        "updated the details of %(count)d briefings",
    ),
    (
        "briefings.BriefingSection",
        "updated_by",
        "edited %(count)d briefing section",
        "edited %(count)d briefing sections",
    ),
    (
        "briefings.BriefingVersion",
        "published_by",
        "published %(count)d briefing version",
        "published %(count)d briefing versions",
    ),
    (
        "briefings.BriefingVersion",
        "withdrawn_by",
        "withdrew %(count)d briefing version",
        "withdrew %(count)d briefing versions",
    ),
)
# Records of audits and briefings that name a person but are not audit work: a reader's feedback on a
# briefing is kept without their name when they are deleted, as it is when they leave an agency.
NOT_AUDIT_WORK = (("briefings.Feedback", "user"),)
# The apps whose changes in Administration (Django's log of them, admin.LogEntry) are audit work.
AUDIT_WORK_APPS = ("audits", "briefings")


def audit_work(people_ids) -> dict[int, list[str]]:
    """What each of these people did, or was named for, in audits and briefings (AUDIT_WORK): by person, a
    line a kind of record with their number (no case content). A person with none is not in it. One query a
    kind of record, whatever the number of people; none for nobody."""
    from django.apps import apps
    from django.db.models import Count
    from django.utils.translation import ngettext

    ids = [pk for pk in people_ids if pk is not None]
    if not ids:
        return {}
    work: dict[int, list[str]] = {}
    for label, field, singular, plural in AUDIT_WORK:
        model = apps.get_model(label)
        column = f"{field}_id"
        counted = (
            model._base_manager.filter(**{f"{column}__in": ids})
            .order_by()
            .values_list(column)
            .annotate(count=Count("*"))
        )
        for person_id, count in counted:
            work.setdefault(person_id, []).append(ngettext(singular, plural, count) % {"count": count})
    # Planning and the tools in Administration: Django's log of each change (an audit's History), deleted
    # with the person, which names what was changed (a case's reference): counted, never printed.
    from django.contrib.admin.models import LogEntry

    changes = (
        LogEntry.objects.filter(user_id__in=ids, content_type__app_label__in=AUDIT_WORK_APPS)
        .order_by()
        .values_list("user_id")
        .annotate(count=Count("*"))
    )
    for person_id, count in changes:
        work.setdefault(person_id, []).append(
            ngettext(
                "%(count)d change to audits in Administration (Planning, tools)",
                "%(count)d changes to audits in Administration (Planning, tools)",
                count,
            )
            % {"count": count}
        )
    return work
