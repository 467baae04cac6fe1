"""The demo partnership (`manage.py load_demo`): what it builds, that it is safe to run again, and
that it never runs on a production start."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from agencies.models import Agency, LinkKind, Partnership, Role, User
from audits import demo
from audits.identifiers import age_range_from_band, find_identifiers
from audits.models import (
    Audit,
    AuditStatus,
    Case,
    CaseJudgement,
    FindingKind,
    PartAReturn,
    Recommendation,
    RecommendationStatus,
    ReturnStatus,
    RiskFactor,
)
from briefings.models import Briefing, BriefingVersion, Edition
from briefings.tests.support import DUDLEY_SEED_HEADINGS

BH, DUDLEY = "bh-cse-2015", "dudley-cse-2017"


def load_demo() -> str:
    out = StringIO()
    with override_settings(DEMO=True):
        call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db) -> None:
    load_demo()


def row_counts() -> dict[str, int]:
    """Rows in every table of the project's apps, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for app in ("agencies", "audits", "briefings")
        for model in apps.get_app_config(app).get_models()
    }


def test_brighton_and_hove_audit_is_in_part_a_with_returns_in_every_state(loaded):
    audit = Audit.objects.get(slug=BH)
    assert audit.status == AuditStatus.PART_A
    assert audit.theme.slug == "cse"
    assert audit.lead_officer.username == "lead.officer"
    assert audit.participants.count() == 10
    assert all(p.auditor and p.auditor.agency_id == p.agency_id for p in audit.participants.select_related("auditor"))
    assert list(audit.cases.values_list("reference", flat=True)) == [f"Case {n}" for n in range(1, 7)]
    assert audit.cases.filter(gender="male").exists()
    returns = audit.returns.all()
    assert returns.count() == 60
    statuses = Counter(r.display_status for r in returns)
    assert set(statuses) == {
        "Not started",
        "Draft",
        "Submitted",
        "Returned for amendment",
        "Accepted",
        "No involvement",
    }
    assert statuses["Not started"] >= 15  # Part A is genuinely in progress
    assert set(returns.values_list("tool_version", flat=True)) == {audit.tool_version_id}
    assert audit.part_a_due > audit.created_at.date()


def test_returns_hold_what_their_state_needs(loaded):
    audit = Audit.objects.get(slug=BH)
    standards = audit.tool_version.sections.values_list("standards", flat=True).count()
    for part_a_return in audit.returns.prefetch_related("answers"):
        answers = list(part_a_return.answers.all())
        if part_a_return.no_involvement:
            assert part_a_return.no_involvement_reason and not answers
        elif part_a_return.status == ReturnStatus.NOT_STARTED:
            assert not answers and part_a_return.submitted_at is None
        elif part_a_return.status == ReturnStatus.DRAFT:
            assert 0 < len(answers) < standards
        else:
            assert len(answers) == standards and all(a.is_answered for a in answers)
            assert part_a_return.overall_grade and part_a_return.strengths and part_a_return.improvements
        if part_a_return.status == ReturnStatus.RETURNED:
            assert part_a_return.amendment_comment
        if part_a_return.status == ReturnStatus.ACCEPTED:
            assert part_a_return.accepted_at > part_a_return.submitted_at


def test_returns_other_browser_tests_rely_on(loaded):
    def status(agency: str, case: str) -> str:
        return PartAReturn.objects.get(audit__slug=BH, agency__name=agency, case__reference=case).status

    assert status("Sussex Police", "Case 1") == ReturnStatus.NOT_STARTED
    assert status("Sussex Police", "Case 2") == ReturnStatus.DRAFT
    assert status("BHCC Children's Social Work", "Case 2") == ReturnStatus.SUBMITTED
    police = PartAReturn.objects.filter(audit__slug=BH, agency__name="Sussex Police").visible_to(
        User.objects.get(username="auditor.police")
    )
    assert police.count() == 6


def test_brighton_and_hove_findings_follow_the_seed(loaded):
    audit = Audit.objects.get(slug=BH)
    strengths = list(audit.findings.filter(kind=FindingKind.STRENGTH).order_by("order"))
    assert [f.body for f in strengths] == [body for _heading, body in demo.BH_STRENGTHS]
    assert strengths[0].body.startswith("Information sharing across agencies is timely and of a good standard.")
    assert all(f.heading for f in strengths)
    linked = [f for f in strengths if f.cases.exists()]
    assert linked and all(r.status == ReturnStatus.ACCEPTED for f in linked for r in f.returns.all())
    agency_findings = audit.findings.filter(kind__in=[FindingKind.AGENCY_STRENGTH, FindingKind.AGENCY_IMPROVEMENT])
    assert agency_findings.filter(kind=FindingKind.AGENCY_STRENGTH).count() >= 2
    assert agency_findings.filter(kind=FindingKind.AGENCY_IMPROVEMENT).count() >= 2
    assert not agency_findings.filter(agency__isnull=True).exists()
    recommendations = list(audit.recommendations.order_by("order"))
    assert len(recommendations) == 8
    assert recommendations[0].text.startswith("A more robust response to the needs of boys and young men")
    assert {r.status for r in recommendations} == {RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS}
    assert {r.owner for r in recommendations} == {demo.BH_RECOMMENDATIONS_OWNER, "Strategic CSE Group"}
    assert "28th January 2015" in audit.what_next and "Strategic CSE Group" in audit.what_next
    assert "Operation Kite" in audit.cohort_source
    assert "If Only Someone had Listened" in audit.context


def test_dudley_audit_is_reported_with_its_part_b_and_briefing_findings(loaded):
    audit = Audit.objects.get(slug=DUDLEY)
    assert audit.status == AuditStatus.REPORTING
    assert audit.tool_version.number == 2
    assert audit.tool_version.tool_id == Audit.objects.get(slug=BH).tool_version.tool_id
    assert str(audit.session.date) == "2017-06-13" == str(audit.part_b_date)
    assert audit.session.attendance.count() == audit.participants.count() == 6
    assert audit.session.chair.startswith("Jo Marsh") and "lead officer" in audit.session.other_attendees
    assert audit.cases.count() == 5
    returns = audit.returns.all()
    assert returns.count() == 30
    assert set(returns.values_list("status", flat=True)) == {ReturnStatus.ACCEPTED}
    assert returns.filter(no_involvement=True).exists()
    sections = audit.tool_version.sections.count()
    assert CaseJudgement.objects.filter(case__audit=audit).count() == 5 * (sections + 1)
    kinds = Counter(audit.findings.values_list("kind", flat=True))
    assert kinds == {
        FindingKind.THEME: 5,
        FindingKind.KEY_MESSAGE: 4,
        FindingKind.MANAGER_POINT: 3,
        FindingKind.LEARNING_POINT: 3,
        FindingKind.PRACTITIONER_POINT: 11,
    }
    points = audit.findings.filter(kind=FindingKind.PRACTITIONER_POINT).order_by("order")
    assert list(points.values_list("heading", flat=True)) == [
        "Be curious",
        "Understand the signs",
        "Understand the referral process",
        "Listen",
        "Persevere",
        "The safety and wellbeing of the child",
        "Support",
        "Keep the child in education",
        "Share key information",
        "Confidentiality",
        "Seek advice",
    ]
    assert points.get(heading="Listen").body.startswith("to the young person and understand what they are trying")
    messages = audit.findings.filter(kind=FindingKind.KEY_MESSAGE).order_by("order")
    assert list(messages.values_list("heading", flat=True)) == ["Promote", "Embed", "Share", "Promote"]
    for theme in audit.findings.filter(kind=FindingKind.THEME):
        assert theme.risk_factors.count() == 1
    assert audit.recommendations.count() >= 3
    assert all(r.owner_name for r in audit.recommendations.all())
    assert audit.what_next


def test_dudleys_practitioners_briefing_is_published_and_its_managers_briefing_left_to_the_qa_manager(db):
    output = load_demo()
    audit = Audit.objects.get(slug=DUDLEY)
    version = BriefingVersion.objects.select_related("briefing").get(briefing__audit=audit)
    briefing = version.briefing
    assert (briefing.edition, version.number) == (Edition.PRACTITIONERS, 1)
    assert version.published_by.username == "qa.manager"
    assert (
        f"Published {version.briefing.title} v1: its PDF is queued." in output
    )  # rendered on commit, by the worker here
    # Drafted from the Part B findings like any briefing: the seed's eleven practitioner points are in it.
    points = briefing.sections.get(key="practitioner_points")
    assert not points.hidden and "Persevere" in points.body and "Seek advice" in points.body
    frozen = {section["key"]: section["body"] for section in version.content["sections"]}
    assert frozen["practitioner_points"] == points.body
    # Edited as Dudley's was: the seed's sections, in the seed's order, with its own resources only.
    assert [section["heading"] for section in version.content["sections"]] == [
        "About this briefing",
        "Why we did this audit",
        "Methodology",
        *DUDLEY_SEED_HEADINGS,
        "Feedback",
    ]
    assert "**Keep the child in education** – the less time" in frozen["practitioner_points"]
    assert "cse.team@demo-scp.example.org" in frozen["training"] and "Sussex Police" not in str(version.content)
    assert not Briefing.objects.filter(audit=audit, edition=Edition.MANAGERS).exists()
    assert not Briefing.objects.filter(audit__slug=BH).exists()  # still in Part A

    assert "Published" not in load_demo()  # published once: a second run leaves it alone
    assert BriefingVersion.objects.count() == 1


def test_tool_versions_follow_the_childs_journey(loaded):
    v1 = Audit.objects.get(slug=BH).tool_version
    v2 = Audit.objects.get(slug=DUDLEY).tool_version
    journey = ["Response", "Assessment", "Planning", "Intervention", "Protection"]
    assert list(v1.sections.values_list("title", flat=True)) == journey
    assert list(v2.sections.values_list("title", flat=True)) == journey + ["Outcomes"]
    assert v1.sections.values_list("standards", flat=True).count() == 14
    assert {s.scale.grades.count() for s in (v1, v2)} == {4}
    assert v1.scale.grades.get(rank=1).label == "Outstanding"
    assert v2.notes


def test_partnership_settings_come_from_the_seeds(loaded):
    partnership = Partnership.load()
    assert partnership.name == "Demo Safeguarding Children Partnership"
    assert partnership.short_name == "Demo SCP"
    assert "reality-based" in partnership.feedback_invitation
    assert "Preventing & Disrupting the Sexual Exploitation" in partnership.training
    phones = dict(partnership.support_contacts.values_list("name", "phone"))
    assert phones["MASH"] == "01273 290400"
    assert phones["Sussex Police"] == "101"
    assert phones["The Wise Project"] == "01273 222 583"
    assert partnership.support_contacts.get(name="Dudley CSE Team").email == "cse.team@demo-scp.example.org"
    kinds = Counter(partnership.links.values_list("kind", flat=True))
    assert kinds == {LinkKind.USEFUL: 3, LinkKind.READING: 3, LinkKind.PROCEDURE: 2, LinkKind.TRAINING: 2}
    assert all(url.startswith("http") for url in partnership.links.values_list("url", flat=True))


def test_agencies_and_taxonomy(loaded):
    team = [name for name, _short, _sector in demo.BH_AGENCIES.values()]
    assert set(Agency.objects.filter(audit_participations__audit__slug=BH).values_list("name", flat=True)) == set(team)
    assert "Ru-Ok (Young People's Substance Misuse Service)" in team
    assert {"missing-from-school", "drug-alcohol-misuse", "domestic-abuse-neglect", "offending"} <= set(
        RiskFactor.objects.values_list("slug", flat=True)
    )


EXPECTED_USERS = {
    "qa.manager": (Role.QA_MANAGER, None),
    "lead.officer": (Role.MANAGER, "Sussex Police"),
    "auditor.police": (Role.PRACTITIONER, "Sussex Police"),
    "auditor.socialcare": (Role.PRACTITIONER, "BHCC Children's Social Work"),
    "auditor.health": (Role.PRACTITIONER, demo.BH_AGENCIES["health"][0]),
    "manager": (Role.MANAGER, "The Youth Service"),
    "practitioner": (Role.PRACTITIONER, "The WISE Project"),
    "admin": (Role.ADMINISTRATOR, None),
}


def test_every_demo_user_exists_and_signs_in_with_demo(loaded, rf):
    for username, (role, agency) in EXPECTED_USERS.items():
        user = User.objects.select_related("agency").get(username=username)
        assert (user.role, user.agency.name if user.agency else None) == (role, agency), username
    for username in demo.USERS:
        user = User.objects.get(username=username)
        assert user.check_password("demo") and not user.check_password("wrong"), username
        assert authenticate(rf.post("/accounts/login/"), username=username, password="demo") == user
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert User.objects.get(username="qa.manager").job_title == "LSCB Quality Assurance Manager"
    assert not User.objects.filter(is_superuser=True).exists()


def test_running_it_again_changes_nothing(db):
    load_demo()
    before = row_counts()
    returns = dict(PartAReturn.objects.values_list("pk", "updated_at"))
    output = load_demo()
    assert row_counts() == before
    assert dict(PartAReturn.objects.values_list("pk", "updated_at")) == returns  # nothing was even re-saved
    assert "0 rows created, 0 rows changed" in output


def test_running_it_again_puts_the_demo_back(db):
    load_demo()
    draft = PartAReturn.objects.get(audit__slug=BH, agency__name="Sussex Police", case__reference="Case 2")
    answers = draft.answers.count()
    draft.status = ReturnStatus.SUBMITTED
    draft.save()
    draft.answers.first().delete()
    police = User.objects.get(username="auditor.police")
    police.set_password("changed by someone")
    police.save()
    load_demo()
    draft.refresh_from_db()
    assert draft.status == ReturnStatus.DRAFT
    assert draft.answers.count() == answers
    assert draft.version == 1  # a form opened before the reset is refused
    assert User.objects.get(username="auditor.police").check_password("demo")


@override_settings(DEBUG=False, DEMO=False)
def test_refused_without_debug_or_demo(db):
    with pytest.raises(CommandError, match="DEMO=1"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists() and not Audit.objects.exists()


@override_settings(DEBUG=True, DEMO=False)
def test_allowed_with_debug(db):
    call_command("load_demo", stdout=StringIO())
    assert Audit.objects.count() == 2


def test_administrator_manages_people_but_cannot_see_audit_content_in_admin(loaded, client):
    response = client.post("/accounts/login/", {"username": "admin", "password": "demo"})
    assert response.status_code == 302, "the administrator signs in through the login form"
    for url in ("/admin/audits/partareturn/", "/admin/audits/audit/", "/admin/audits/finding/", "/admin/audits/case/"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get("/admin/audits/partareturn/").status_code == 404  # case content is not in the admin
    assert client.get("/admin/audits/audit/").status_code == 403  # planning is, but not the administrator's
    for url in ("/admin/agencies/user/", "/admin/agencies/agency/", "/admin/agencies/accessrecord/"):
        assert client.get(url).status_code == 200, url
    # The unlock paths: lockouts and lost authenticators.
    for url in ("/admin/axes/accessattempt/", "/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"):
        assert client.get(url).status_code == 200, url
    assert b"auditor.police" in client.get("/admin/agencies/user/").content
    index = client.get("/admin/").content.decode()
    assert 'href="/admin/agencies/user/"' in index and 'href="/admin/audits/' not in index


def test_cases_have_no_field_for_a_name_a_date_of_birth_or_a_record_number():
    names = [f.name.lower() for f in Case._meta.get_fields()]
    for forbidden in ("name", "dob", "birth", "nhs", "record_number", "postcode", "address"):
        assert not [n for n in names if forbidden in n], forbidden


def test_demo_free_text_does_not_look_like_an_identifier(loaded):
    for part_a_return in PartAReturn.objects.select_related("case", "audit").prefetch_related("answers"):
        age_range = age_range_from_band(part_a_return.case.age_band)
        reference = part_a_return.audit.part_b_date
        texts = [
            part_a_return.strengths,
            part_a_return.improvements,
            part_a_return.no_involvement_reason,
            part_a_return.amendment_comment,
        ] + [a.evidence for a in part_a_return.answers.all()]
        for text in texts:
            assert find_identifiers(text, age_range=age_range, reference_date=reference) == [], text


def test_reloaded_on_a_later_day_no_recommendation_reads_as_moved(db):
    """The demo's recommendations of the audit in Part B are due some days from the day it is loaded: loaded
    again on a later day, their first due date moves with them, not left at the earlier load's, which every
    tracker would print as 'moved: first due …', a slippage that never happened."""
    load_demo()
    earlier = Recommendation.objects.filter(audit__slug=BH)
    assert earlier.exists()
    for rec in earlier:  # as the load five days before left them
        Recommendation.objects.filter(pk=rec.pk).update(
            due_date=rec.due_date - dt.timedelta(days=5), first_due_date=rec.due_date - dt.timedelta(days=5)
        )
    load_demo()
    assert all(rec.first_due_date == rec.due_date for rec in Recommendation.objects.all())
