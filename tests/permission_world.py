"""The objects the permission matrix visits, and how each URL's arguments are found in them."""

from collections.abc import Callable
from dataclasses import dataclass

from audits.models import AuditStatus, Finding, PartAReturn, Recommendation
from audits.tests.factories import FindingFactory, RecommendationFactory
from briefings.models import Briefing, BriefingVersion, Edition
from briefings.services import briefing_create, briefing_publish, briefing_version_render


@dataclass
class World:
    audit: object
    part_a_return: PartAReturn  # the assigned auditor's (agency A) return for Case 1
    case: object
    agency: object
    finding: Finding
    recommendation: Recommendation
    managers: Briefing
    practitioners: Briefing
    version: BriefingVersion  # a rendered practitioners' briefing
    section_key: str


def build_world(*, audit, cast) -> World:
    """`audit` (agencies A and B, two cases) in Part B, with findings, a recommendation and briefings
    (published while it was at Reporting, before Part B was opened again)."""
    qa = cast["qa_manager"]
    audit.status = AuditStatus.REPORTING
    audit.save(update_fields=["status"])
    case = audit.cases.order_by("order").first()
    agency = cast["auditor"].agency
    part_a_return = PartAReturn.objects.get(case=case, agency=agency)
    finding = FindingFactory(audit=audit)
    recommendation = RecommendationFactory(audit=audit)
    managers = briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa)
    practitioners = briefing_create(audit=audit, edition=Edition.PRACTITIONERS, user=qa)
    version = briefing_publish(briefing=practitioners, user=qa)
    version = briefing_version_render(version_id=version.pk)
    audit.status = AuditStatus.PART_B
    audit.save(update_fields=["status"])
    return World(
        audit=audit,
        part_a_return=part_a_return,
        case=case,
        agency=agency,
        finding=finding,
        recommendation=recommendation,
        managers=managers,
        practitioners=practitioners,
        version=version,
        section_key=managers.sections.order_by("order").first().key,
    )


def _none(w: World) -> dict:
    return {}


def _insight_report(w: World) -> dict:
    """A board report the QA manager asked for (insights): only the person who asked may open it."""
    from agencies.models import Role, User
    from audits.models import InsightReport, InsightReportKind

    report = InsightReport.objects.filter(kind=InsightReportKind.BOARD).first()
    if report is None:
        qa = User.objects.filter(role=Role.QA_MANAGER).order_by("pk").first()
        report = InsightReport.objects.create(kind=InsightReportKind.BOARD, requested_by=qa)
    return {"pk": report.pk}


def _slug(w: World) -> dict:
    return {"slug": w.audit.slug}


def _return(w: World) -> dict:
    return {"pk": w.part_a_return.pk}


def _case(w: World) -> dict:
    return {"slug": w.audit.slug, "case_id": w.case.pk}


def _finding(w: World) -> dict:
    return {"slug": w.audit.slug, "finding_id": w.finding.pk}


def _recommendation(w: World) -> dict:
    return {"slug": w.audit.slug, "rec_id": w.recommendation.pk}


def _edition(w: World) -> dict:
    return {"slug": w.audit.slug, "edition": Edition.MANAGERS}


def _section(w: World) -> dict:
    return {"slug": w.audit.slug, "edition": Edition.MANAGERS, "key": w.section_key}


def _version(w: World) -> dict:
    return {"pk": w.version.pk}


def _briefing(w: World) -> dict:
    return {"pk": w.practitioners.pk}


KWARGS: dict[str, Callable[[World], dict]] = {
    "home": _none,
    "login": _none,
    "logout": _none,
    "mfa_verify": _none,
    "mfa_setup": _none,
    "reauthenticate": _none,
    "profile": _none,
    "password_change": _none,
    "password_reset": _none,
    "password_reset_done": _none,
    # A link that is not (or no longer) valid: what anybody who has not been sent one meets.
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "access_log": _none,
    "mail_retry": _none,
    "healthz": _none,
    "audits:audit_list": _none,
    "audits:my_returns": _none,
    "audits:return_detail": _return,
    "audits:return_autosave": _return,
    "audits:return_submit": _return,
    "audits:return_review": _return,
    "audits:return_history": _return,
    "audits:audit_returns": _slug,
    "audits:chase_auditor": lambda w: {"slug": w.audit.slug, "agency_id": w.agency.pk},
    "audits:recommendations_all": _none,
    "audits:audit_status": _slug,
    "audits:audit_cancel": _slug,
    "audits:session": _slug,
    "audits:participant_auditor": lambda w: {"slug": w.audit.slug, "agency_id": w.agency.pk},
    "audits:boards": _slug,
    "audits:evidence_board": _case,
    "audits:judgement": _case,
    "audits:heatmap": _slug,
    "audits:findings": _slug,
    "audits:finding_add": lambda w: {"slug": w.audit.slug, "kind": "strength"},
    "audits:finding_promote": _slug,
    "audits:finding_edit": _finding,
    "audits:finding_delete": _finding,
    "audits:finding_move": _finding,
    "audits:recommendations": _slug,
    "audits:recommendation_edit": _recommendation,
    "audits:recommendation_status": _recommendation,
    "audits:export_csv": _slug,
    "audits:export_xlsx": _slug,
    "audits:dashboard": _slug,
    "audits:insights_trends": _none,
    "audits:insights_agencies": _none,
    "audits:insights_agency": lambda w: {"pk": w.agency.pk},
    "audits:insights_agency_report": lambda w: {"pk": w.agency.pk},
    "audits:insights_tracker": _none,
    "audits:insights_board_report": _none,
    "audits:my_recommendations": _none,
    "audits:insights_report": _insight_report,
    "audits:insights_report_status": _insight_report,
    "audits:insights_report_download": _insight_report,
    "audits:insights_report_retry": _insight_report,
    "briefings:library": _none,
    "briefings:briefing_page": _briefing,
    "briefings:feedback_create": _briefing,
    "briefings:download": _version,
    "briefings:version_status": _version,
    "briefings:version_retry": _version,
    "briefings:version_withdraw": _version,
    "briefings:audit_briefings": _slug,
    "briefings:composer": _edition,
    "briefings:start": _edition,
    "briefings:details_update": _edition,
    "briefings:section_update": _section,
    "briefings:section_refresh": _section,
    "briefings:section_move": _section,
    "briefings:preview": _edition,
    "briefings:publish": _edition,
    "briefings:feedback_list": _edition,
}
