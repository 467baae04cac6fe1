"""Consistency checks: each rule positive and negative, on factory data; and the dashboard's list."""

import pytest
from django.urls import reverse

from agencies.tests.factories import AgencyFactory
from audits.consistency import (
    CONTRADICTION,
    DIVERGENCE,
    IDENTIFIER,
    INADEQUATE,
    NO_EVIDENCE,
    THEME,
    consistency_issues,
)
from audits.models import (
    Answer,
    AuditStatus,
    CaseJudgement,
    FindingKind,
    Grade,
    PartAReturn,
    ReturnStatus,
    Section,
)
from audits.tests.factories import AuditAgencyFactory, CaseFactory, FindingFactory, RecommendationFactory, make_returns
from audits.tests.insights_support import audit_in, factor, tag
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

# A valid NHS number (modulus 11) and a phone number, as test identifiers.
NHS = "943 476 5919"


@pytest.fixture
def audit():
    """A Part B audit with two agencies and two cases; every return submitted, every answer graded Good
    with evidence, and neutral strengths and areas for improvement: no issue at all."""
    from audits.tests.factories import make_tool_version

    audit = audit_in(2017, status=AuditStatus.PART_B, tool_version=make_tool_version(standards=4, sections=2))
    for name in ("Police", "Health"):
        AuditAgencyFactory(audit=audit, agency=AgencyFactory(name=name, short_name=name))
    CaseFactory(audit=audit, reference="Case 1", order=1)
    CaseFactory(audit=audit, reference="Case 2", order=2)
    for ret in make_returns(audit):
        complete_return(ret, ranks=2, improvements="Supervision notes were brief.", strengths="Timely referrals.")
    return audit


def kinds(audit) -> list[str]:
    return [issue.kind for issue in consistency_issues(audit)]


def grade(audit, rank: int) -> Grade:
    return Grade.objects.get(scale_id=audit.tool_version.scale_id, rank=rank)


def ret_of(audit, case_ref: str, agency: str) -> PartAReturn:
    return PartAReturn.objects.select_related("case", "agency").get(
        audit=audit, case__reference=case_ref, agency__name=agency
    )


def section(audit, title: str) -> Section:
    return Section.objects.get(version_id=audit.tool_version_id, title=title)


def test_a_clean_audit_has_no_issue(audit):
    assert consistency_issues(audit) == []


def test_graded_without_evidence(audit):
    ret = ret_of(audit, "Case 1", "Police")
    Answer.objects.filter(part_a_return=ret, standard__code__in=["R1", "A2"]).update(evidence="  ")
    # Not applicable and ungraded answers need no evidence; draft returns are not checked.
    Answer.objects.filter(part_a_return=ret, standard__code="R3").update(grade=None, not_applicable=True, evidence="")
    draft = ret_of(audit, "Case 2", "Police")
    PartAReturn.objects.filter(pk=draft.pk).update(status=ReturnStatus.DRAFT)
    Answer.objects.filter(part_a_return=draft).update(evidence="")

    issues = consistency_issues(audit)

    assert [(i.kind, i.url) for i in issues] == [(NO_EVIDENCE, reverse("audits:return_detail", args=[ret.pk]))]
    assert "Case 1, Police: R1, A2 graded without evidence" in issues[0].message


def test_good_contradicted_by_the_returns_areas_for_improvement(audit):
    by_code = ret_of(audit, "Case 1", "Police")
    by_code.improvements = "R3 was late: no strategy discussion for a week."
    by_code.save()
    by_stage = ret_of(audit, "Case 2", "Health")
    by_stage.improvements = "The assessment did not record the young person's views."
    by_stage.save()
    # A standard graded Requires improvement may be criticised: no contradiction.
    fair = ret_of(audit, "Case 1", "Health")
    fair.improvements = "R1 fell short."
    fair.save()
    Answer.objects.filter(part_a_return=fair, standard__code="R1").update(grade=grade(audit, 3))
    # "R10" is not "R1", and "responses" is not the word "Response".
    near = ret_of(audit, "Case 2", "Police")
    near.improvements = "R10 and other responses were slow."
    near.save()

    issues = [i for i in consistency_issues(audit) if i.kind == CONTRADICTION]

    assert [i.url for i in issues] == [
        reverse("audits:return_detail", args=[by_code.pk]),
        reverse("audits:return_detail", args=[by_stage.pk]),
    ]
    assert "Case 1, Police: R3 (Response)" in issues[0].message
    assert "Case 2, Health: A2, A4 (Assessment)" in issues[1].message


def test_inadequate_judgement_needs_a_recommendation_citing_the_case(audit):
    case1, case2 = audit.cases.order_by("order")
    CaseJudgement.objects.create(case=case1, section=None, grade=grade(audit, 4), reasons="Drift and delay.")
    CaseJudgement.objects.create(case=case2, section=section(audit, "Response"), grade=grade(audit, 4), reasons="x")
    CaseJudgement.objects.create(
        case=case2, section=section(audit, "Assessment"), grade=grade(audit, 3), reasons="Requires improvement only"
    )

    issues = [i for i in consistency_issues(audit) if i.kind == INADEQUATE]
    assert [i.message.split(" was ")[0] for i in issues] == ["Case 1", "Case 2"]
    assert "(Response)" in issues[1].message
    assert issues[0].url == reverse("audits:recommendations", args=[audit.slug])

    # Case 1: a recommendation linked to a finding that cites the case.
    finding = FindingFactory(audit=audit, kind=FindingKind.KEY_MESSAGE)
    finding.cases.set([case1])
    RecommendationFactory(audit=audit).findings.set([finding])
    # Case 2: a recommendation linked to a finding that cites one of the case's returns.
    cited = FindingFactory(audit=audit, kind=FindingKind.AGENCY_IMPROVEMENT, agency=AgencyFactory(name="Police"))
    cited.returns.set([ret_of(audit, "Case 2", "Police")])
    assert [i.message.split(" was ")[0] for i in consistency_issues(audit) if i.kind == INADEQUATE] == ["Case 2"]
    RecommendationFactory(audit=audit).findings.set([cited])
    assert INADEQUATE not in kinds(audit)


def test_a_recommendation_linked_to_an_unrelated_finding_does_not_count(audit):
    case1 = audit.cases.order_by("order").first()
    CaseJudgement.objects.create(case=case1, section=None, grade=grade(audit, 4), reasons="Drift.")
    RecommendationFactory(audit=audit).findings.set([FindingFactory(audit=audit, kind=FindingKind.KEY_MESSAGE)])
    assert kinds(audit) == [INADEQUATE]


def test_theme_needs_a_learning_point_with_the_same_risk_factor(audit):
    missing, school = factor("missing-episodes"), factor("school-absence")
    covered = tag(audit, FindingKind.THEME, missing, heading="Missing episodes")
    uncovered = tag(audit, FindingKind.THEME, school, heading="School absence")
    untagged = tag(audit, FindingKind.THEME, heading="Older associates")
    tag(audit, FindingKind.PRACTITIONER_POINT, missing, heading="Ask where they were")
    tag(audit, FindingKind.KEY_MESSAGE, school, heading="Key messages do not count")

    issues = [i for i in consistency_issues(audit) if i.kind == THEME]

    findings = reverse("audits:findings", args=[audit.slug])
    assert [i.url for i in issues] == [f"{findings}#finding-{uncovered.pk}", f"{findings}#finding-{untagged.pk}"]
    assert "no risk factor" in issues[1].message
    assert covered.pk not in [int(i.url.rsplit("-", 1)[1]) for i in issues]
    tag(audit, FindingKind.MANAGER_POINT, school)
    assert [i.url for i in consistency_issues(audit) if i.kind == THEME] == [f"{findings}#finding-{untagged.pk}"]


def test_divergence_from_the_consensus_without_reasons(audit):
    case1, case2 = audit.cases.order_by("order")
    response = section(audit, "Response")
    # Case 1, Response: consensus Inadequate (4); both agencies said Good (2): two steps, no reasons.
    CaseJudgement.objects.create(case=case1, section=response, grade=grade(audit, 4), reasons="")
    # Case 2, overall: consensus Requires improvement (3); Good (2) is one step only.
    CaseJudgement.objects.create(case=case2, section=None, grade=grade(audit, 3), reasons="")
    # Case 2, Response: two steps away, but the reasons are recorded.
    CaseJudgement.objects.create(case=case2, section=response, grade=grade(audit, 4), reasons="Agreed after debate.")
    # Inadequate judgements need a recommendation too: give them one, to look at divergence alone.
    finding = FindingFactory(audit=audit, kind=FindingKind.KEY_MESSAGE)
    finding.cases.set([case1, case2])
    RecommendationFactory(audit=audit).findings.set([finding])

    issues = [i for i in consistency_issues(audit) if i.kind == DIVERGENCE]

    board = reverse("audits:evidence_board", args=[audit.slug, case1.pk])
    assert [(i.url, i.message) for i in issues] == [
        (
            f"{board}#stage-{response.pk}",
            "Case 1, Response: consensus Inadequate, but Health, Police graded two or more steps away; "
            "no reasons recorded.",
        )
    ]
    # The overall grade of a return counts against the overall judgement.
    ret = ret_of(audit, "Case 2", "Police")
    ret.overall_grade = grade(audit, 1)
    ret.save()
    assert [i.message[:14] for i in consistency_issues(audit) if i.kind == DIVERGENCE] == [
        "Case 1, Respon",
        "Case 2, overal",
    ]


def test_possible_identifiers_in_text_a_briefing_is_made_from(audit):
    case1 = audit.cases.order_by("order").first()
    finding = FindingFactory(audit=audit, kind=FindingKind.STRENGTH, body=f"NHS number {NHS} was shared.")
    rec = RecommendationFactory(audit=audit, text="Call the duty desk on 01273 295555 first.")
    CaseJudgement.objects.create(case=case1, section=None, grade=grade(audit, 2), reasons="She lives at BN1 1AA.")
    # A confirmed return is the auditor's decision: not listed again. An unconfirmed one is.
    confirmed = ret_of(audit, "Case 1", "Police")
    confirmed.strengths = "MASH on 01273 290400."
    confirmed.identifiers_confirmed = True
    confirmed.save()
    unconfirmed = ret_of(audit, "Case 1", "Health")
    Answer.objects.filter(part_a_return=unconfirmed, standard__code="R1").update(evidence=f"DOB 12/03/2004, {NHS}")

    issues = [i for i in consistency_issues(audit) if i.kind == IDENTIFIER]

    assert [i.url for i in issues] == [
        f"{reverse('audits:findings', args=[audit.slug])}#finding-{finding.pk}",
        reverse("audits:recommendation_edit", args=[audit.slug, rec.pk]),
        f"{reverse('audits:evidence_board', args=[audit.slug, case1.pk])}#overall",
        reverse("audits:return_detail", args=[unconfirmed.pk]),
    ]
    assert f"“{NHS}”" in issues[0].message
    assert "“12/03/2004”" in issues[3].message and "not confirmed" in issues[3].message


def test_identifiers_in_a_briefing_draft(audit):
    from briefings.models import Briefing, BriefingSection

    briefing = Briefing.objects.create(audit=audit, edition="managers", title="Briefing")
    BriefingSection.objects.create(briefing=briefing, key="strengths", heading="Strengths", body=f"See {NHS}.")
    BriefingSection.objects.create(briefing=briefing, key="hidden", heading="Hidden", body=f"{NHS}", hidden=True)
    issues = consistency_issues(audit)
    url = reverse("briefings:composer", args=[audit.slug, "managers"])
    assert [(i.kind, i.url) for i in issues] == [(IDENTIFIER, f"{url}#card-strengths")]


def test_the_partnerships_own_support_lines_are_not_flagged_however_written(audit):
    from agencies.models import Partnership, SupportContact
    from briefings.models import Briefing, BriefingSection

    partnership = Partnership.load()
    SupportContact.objects.create(partnership=partnership, name="MASH", phone="01273 290400")
    SupportContact.objects.create(
        partnership=partnership, name="Wise", description="Call 01273 222 583, or visit us at BN2 1AA."
    )
    briefing = Briefing.objects.create(audit=audit, edition="practitioners", title="Briefing")
    BriefingSection.objects.create(
        briefing=briefing,
        key="local_support",
        heading="Local support",
        body="- **MASH**: call **01273 290400**.\n- **Wise**: +44 1273 222583, BN2 1AA.",
    )
    FindingFactory(audit=audit, kind=FindingKind.LEARNING_POINT, body="Refer to the MASH (01273-290400) first.")
    assert consistency_issues(audit) == []

    # Any other number still is, in the same text.
    BriefingSection.objects.filter(briefing=briefing).update(body="MASH 01273 290400; her mother on 07700 900123.")
    issues = consistency_issues(audit)
    assert [i.kind for i in issues] == [IDENTIFIER]
    assert "“07700 900123”" in issues[0].message and "290400" not in issues[0].message


def test_dashboard_lists_the_issues_with_links(client, qa_manager, audit):
    ret = ret_of(audit, "Case 1", "Police")
    Answer.objects.filter(part_a_return=ret, standard__code="R1").update(evidence="")
    client.force_login(qa_manager)

    html = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()

    assert 'data-testid="consistency-no_evidence"' in html
    assert f'href="{reverse("audits:return_detail", args=[ret.pk])}"' in html


def test_dashboard_says_when_all_is_consistent_and_nothing_in_part_a(client, qa_manager, audit):
    client.force_login(qa_manager)
    url = reverse("audits:dashboard", args=[audit.slug])
    assert 'data-testid="consistency-clear"' in client.get(url).content.decode()
    audit.status = AuditStatus.PART_A
    audit.save()
    assert 'data-testid="consistency"' not in client.get(url).content.decode()


def test_a_closed_audits_dashboard_lists_the_checks_without_fixes_it_cannot_make(client, qa_manager, audit):
    from briefings.models import Briefing, BriefingSection

    ret = ret_of(audit, "Case 1", "Police")
    Answer.objects.filter(part_a_return=ret, standard__code="R1").update(evidence="")
    finding = FindingFactory(audit=audit, kind=FindingKind.STRENGTH, body=f"NHS number {NHS} was shared.")
    briefing = Briefing.objects.create(audit=audit, edition="managers", title="Briefing")
    BriefingSection.objects.create(briefing=briefing, key="strengths", heading="Strengths", body=f"See {NHS}.")
    audit.status = AuditStatus.CLOSED
    audit.save()
    client.force_login(qa_manager)

    html = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()

    panel = html[html.index('data-testid="consistency"') :]
    panel = panel[: panel.index("</section>")]
    # Still listed, for the briefing's publisher to weigh; but the return and the finding are
    # read-only now, so no Fix link leads to a page that says so. A briefing's text can still change.
    assert 'data-testid="consistency-no_evidence"' in panel and f"“{NHS}”" in panel
    assert reverse("audits:return_detail", args=[ret.pk]) not in panel
    assert f"#finding-{finding.pk}" not in panel
    composer = reverse("briefings:composer", args=[audit.slug, "managers"])
    assert f'<a href="{composer}#card-strengths">Fix<span' in panel
    assert panel.count(">Fix<span") == 1
    assert "This audit is closed: its returns, consensus judgements, findings and recommendations" in panel
