"""Findings editors: add, edit, cite, order, delete; the shared risk-factor taxonomy; the Part B session."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from agencies.models import AccessAction, AccessRecord
from audits.models import (
    Attendance,
    AttendanceStatus,
    AuditStatus,
    Finding,
    FindingKind,
    PartAReturn,
    PartBSession,
    RiskFactor,
)
from audits.services.partb import finding_add, finding_move, finding_update
from audits.tests.factories import FindingFactory, RiskFactorFactory
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db


def findings_url(audit):
    return reverse("audits:findings", args=[audit.slug])


def test_every_kind_has_an_editor(client, qa_manager, part_b):
    client.force_login(qa_manager)
    html = client.get(findings_url(part_b)).content.decode()
    # The page carries no add form until one is asked for: one link per kind opens its form.
    assert 'action="' + reverse("audits:finding_add", args=[part_b.slug, "strength"]) not in html
    for kind in FindingKind:
        assert f'href="?add={kind.value}#add-{kind.value}"' in html
        assert str(kind.label).replace("'", "&#x27;") in html
        opened = client.get(findings_url(part_b), {"add": kind.value}).content.decode()
        assert f'action="{reverse("audits:finding_add", args=[part_b.slug, kind.value])}#add-{kind.value}"' in opened
        assert opened.count('data-testid="finding-add"') == 1


def test_a_refused_add_shows_only_its_own_form_with_the_error(client, qa_manager, part_b):
    client.force_login(qa_manager)
    response = client.post(reverse("audits:finding_add", args=[part_b.slug, FindingKind.THEME]), {})
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count('data-testid="finding-add"') == 1
    # Posted back to its own place on the page (partb.js then focuses its error summary).
    assert f'action="{reverse("audits:finding_add", args=[part_b.slug, FindingKind.THEME])}#add-theme"' in html


def test_unknown_kind_to_add_opens_no_form(client, qa_manager, part_b):
    client.force_login(qa_manager)
    html = client.get(findings_url(part_b), {"add": "nonsense"}).content.decode()
    assert 'data-testid="finding-add"' not in html


def test_add_overall_strength_with_heading_paragraph_and_cited_cases(client, lead_officer, part_b):
    case1 = part_b.cases.get(reference="Case 1")
    client.force_login(lead_officer)
    response = client.post(
        reverse("audits:finding_add", args=[part_b.slug, FindingKind.STRENGTH]),
        {
            "strength-heading": "Timely information sharing",
            "strength-body": "Shared at once.",
            "strength-cases": [case1.pk],
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get(audit=part_b)
    assert (finding.kind, finding.heading, finding.body) == (
        FindingKind.STRENGTH,
        "Timely information sharing",
        "Shared at once.",
    )
    assert list(finding.cases.all()) == [case1]
    assert AccessRecord.objects.filter(action=AccessAction.CHANGE, object_type="audits.finding").count() == 1


def test_agency_findings_need_a_participating_agency(client, qa_manager, part_b, agency_a, agency_c):
    client.force_login(qa_manager)
    url = reverse("audits:finding_add", args=[part_b.slug, FindingKind.AGENCY_STRENGTH])
    response = client.post(url, {"agency_strength-heading": "Good"})
    assert response.status_code == 400
    assert not Finding.objects.exists()
    # Agency C is not in this audit.
    assert (
        client.post(url, {"agency_strength-heading": "Good", "agency_strength-agency": agency_c.pk}).status_code == 400
    )
    assert (
        client.post(url, {"agency_strength-heading": "Good", "agency_strength-agency": agency_a.pk}).status_code == 302
    )
    assert Finding.objects.get().agency == agency_a


def test_empty_finding_is_refused_with_a_message(client, qa_manager, part_b):
    client.force_login(qa_manager)
    response = client.post(reverse("audits:finding_add", args=[part_b.slug, FindingKind.KEY_MESSAGE]), {})
    assert response.status_code == 400
    assert "Write a heading or some text." in response.content.decode()


def test_theme_links_the_shared_taxonomy_and_can_grow_it(client, qa_manager, part_b):
    existing = RiskFactorFactory(name="Missing from school", slug="missing-from-school")
    client.force_login(qa_manager)
    url = reverse("audits:finding_add", args=[part_b.slug, FindingKind.THEME])
    client.post(
        url,
        {
            "theme-heading": "Children going missing",
            "theme-risk_factors": [existing.pk],
            "theme-new_risk_factor": "Reduced timetables",
        },
    )
    finding = Finding.objects.get(kind=FindingKind.THEME)
    assert {rf.name for rf in finding.risk_factors.all()} == {"Missing from school", "Reduced timetables"}
    # The new entry is shared: a second audit's theme reuses it instead of duplicating it.
    client.post(url, {"theme-heading": "Again", "theme-new_risk_factor": "reduced  timetables"})
    assert RiskFactor.objects.filter(slug="reduced-timetables").count() == 1
    assert Finding.objects.get(heading="Again").risk_factors.get().name == "Reduced timetables"


def test_edit_cites_returns_of_this_audit(client, qa_manager, part_b):
    finding = FindingFactory(audit=part_b, kind=FindingKind.LEARNING_POINT, heading="Be curious")
    ret = PartAReturn.objects.filter(audit=part_b).first()
    complete_return(ret)
    client.force_login(qa_manager)
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    assert escape(f"{ret.case.reference} — {ret.agency.name}") in client.get(url).content.decode()
    response = client.post(url, {"heading": "Be curious", "body": "Look beyond behaviour.", "returns": [ret.pk]})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.body == "Look beyond behaviour."
    assert list(finding.returns.all()) == [ret]


def test_services_refuse_citations_from_another_audit(qa_manager, part_b, other_audit):
    foreign_case = other_audit.cases.first()
    with pytest.raises(ValidationError):
        finding_add(user=qa_manager, audit=part_b, kind=FindingKind.STRENGTH, heading="X", cases=[foreign_case])
    assert not Finding.objects.filter(audit=part_b).exists()


def test_move_up_and_down_renumbers_the_list(client, qa_manager, part_b):
    a, b, c = (finding_add(user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, heading=h) for h in "ABC")
    client.force_login(qa_manager)
    client.post(reverse("audits:finding_move", args=[part_b.slug, c.pk]), {"direction": "up"})
    order = list(
        Finding.objects.filter(kind=FindingKind.KEY_MESSAGE).order_by("order").values_list("heading", flat=True)
    )
    assert order == ["A", "C", "B"]
    finding_move(user=qa_manager, finding=Finding.objects.get(pk=a.pk), direction="up")  # already first: stays
    finding_move(user=qa_manager, finding=Finding.objects.get(pk=a.pk), direction="down")
    order = list(Finding.objects.filter(kind=FindingKind.KEY_MESSAGE).order_by("order").values_list("heading", "order"))
    assert order == [("C", 0), ("A", 1), ("B", 2)]
    # Other kinds keep their own order.
    other = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.STRENGTH, heading="S")
    assert other.order == 0
    # The page lists them in that order.
    html = client.get(findings_url(part_b)).content.decode()
    assert html.index(">C<") < html.index(">A<") < html.index(">B<")


def test_delete(client, qa_manager, part_b):
    finding = FindingFactory(audit=part_b)
    client.force_login(qa_manager)
    client.post(reverse("audits:finding_delete", args=[part_b.slug, finding.pk]))
    assert not Finding.objects.filter(pk=finding.pk).exists()
    assert AccessRecord.objects.filter(summary__startswith="Finding deleted").count() == 1


def test_findings_are_read_only_outside_part_b_and_reporting(client, qa_manager, audit):
    finding = FindingFactory(audit=audit)
    client.force_login(qa_manager)
    html = client.get(findings_url(audit)).content.decode()
    assert "Findings are edited while the audit is in Part B or Reporting." in html
    client.post(reverse("audits:finding_add", args=[audit.slug, FindingKind.STRENGTH]), {"strength-heading": "X"})
    assert Finding.objects.filter(audit=audit).count() == 1
    with pytest.raises(ValidationError):
        finding_update(user=qa_manager, finding=finding, heading="Y", body="")


def test_finding_of_another_audit_is_404(client, qa_manager, part_b, other_audit):
    foreign = FindingFactory(audit=other_audit)
    client.force_login(qa_manager)
    assert client.get(reverse("audits:finding_edit", args=[part_b.slug, foreign.pk])).status_code == 404


def test_findings_page_query_count_is_constant(client, qa_manager, part_b, django_assert_num_queries):
    client.force_login(qa_manager)
    client.get(findings_url(part_b))
    for _ in range(3):
        f = FindingFactory(audit=part_b, kind=FindingKind.THEME)
        f.risk_factors.add(RiskFactorFactory())
        f.cases.add(part_b.cases.first())
    # user, the audit (the session and the partnership settings come from the cache); findings
    # with agency, then their links to risk factors, cases and returns (4): 6. Insights' alert for
    # areas for improvement that came back: the audit's own tags, the audits, the links, the risk
    # factors (4): 10. The access record (INSERT): 11. No add form until one is asked for.
    with django_assert_num_queries(11) as few:
        client.get(findings_url(part_b))
    # With ?add=<kind>, that one form's choices: cases, agencies, risk factors (3).
    with django_assert_num_queries(len(few) + 3):
        client.get(findings_url(part_b), {"add": FindingKind.THEME})
    for _ in range(10):
        FindingFactory(audit=part_b, kind=FindingKind.KEY_MESSAGE).cases.add(part_b.cases.first())
    with django_assert_num_queries(len(few)):
        client.get(findings_url(part_b))
    with django_assert_num_queries(len(few) + 3):
        client.get(findings_url(part_b), {"add": FindingKind.THEME})


# --- Part B session ----------------------------------------------------------------------------


def test_session_details_and_attendance(client, qa_manager, part_b):
    client.force_login(qa_manager)
    url = reverse("audits:session", args=[part_b.slug])
    response = client.post(url, {"form": "details", "date": "2027-01-20", "venue": "Hove Town Hall", "notes": ""})
    assert response.status_code == 302
    session = PartBSession.objects.get(audit=part_b)
    assert str(session.date) == "2027-01-20" and session.venue == "Hove Town Hall"
    part_b.refresh_from_db()
    assert str(part_b.part_b_date) == "2027-01-20"

    a, b = part_b.participants.order_by("agency__name")
    client.post(url, {"form": "attendance", f"participant_{a.pk}": "present", f"participant_{b.pk}": "apologies"})
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {
        a.pk: AttendanceStatus.PRESENT,
        b.pk: AttendanceStatus.APOLOGIES,
    }
    # Changing one and clearing the other.
    client.post(url, {"form": "attendance", f"participant_{a.pk}": "apologies", f"participant_{b.pk}": ""})
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {a.pk: AttendanceStatus.APOLOGIES}
    html = client.get(url).content.decode()
    assert f'value="apologies" class="form-check-input" id="id_participant_{a.pk}_2" checked' in html
    assert AccessRecord.objects.filter(summary__startswith="Attendance recorded").count() == 2


def test_session_page_saves_details_and_attendance_in_one_go(client, qa_manager, part_b):
    """One form: typing a venue and notes, then choosing who is present, loses nothing."""
    client.force_login(qa_manager)
    url = reverse("audits:session", args=[part_b.slug])
    a, b = part_b.participants.order_by("agency__name")
    html = client.get(url).content.decode()
    form = html.split('data-testid="session-form"')[1].split("</form>")[0]
    assert 'name="venue"' in form and 'name="notes"' in form and f'name="participant_{a.pk}"' in form
    data = {
        "date": "2027-01-20",
        "venue": "Hove Town Hall",
        "notes": "Room booked until 4pm.",
        f"participant_{a.pk}": "present",
        f"participant_{b.pk}": "",
    }
    response = client.post(url, data, follow=True)
    assert "Session saved." in response.content.decode()
    session = PartBSession.objects.get(audit=part_b)
    assert (session.venue, session.notes, str(session.date)) == (
        "Hove Town Hall",
        "Room booked until 4pm.",
        "2027-01-20",
    )
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {a.pk: AttendanceStatus.PRESENT}

    # A detail refused: nothing saved, and the page keeps everything typed, attendance included.
    data.update({"venue": "x" * 201, "notes": "Changed notes", f"participant_{b.pk}": "apologies"})
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Changed notes</textarea>" in html
    assert f'value="apologies" class="form-check-input" id="id_participant_{b.pk}_2" checked' in html
    assert PartBSession.objects.get(audit=part_b).notes == "Room booked until 4pm."
    assert dict(Attendance.objects.values_list("participant_id", "status")) == {a.pk: AttendanceStatus.PRESENT}


def test_attendance_waits_for_part_b(client, qa_manager, audit):
    client.force_login(qa_manager)
    participant = audit.participants.first()
    client.post(
        reverse("audits:session", args=[audit.slug]), {"form": "attendance", f"participant_{participant.pk}": "present"}
    )
    assert not Attendance.objects.exists()


def test_session_notes_have_a_length_limit():
    from audits.forms_partb import SessionForm

    form = SessionForm(data={"date": "", "venue": "Room 1", "notes": "x" * 10001})
    assert not form.is_valid() and "notes" in form.errors
    assert SessionForm(data={"date": "", "venue": "Room 1", "notes": "x" * 10000}).is_valid()


def test_findings_list_prints_citations_escaped_and_the_actions_of_each_item(client, qa_manager, part_b):
    """The citations and the actions are built in Python (audits.templatetags.findings)."""
    first = FindingFactory(audit=part_b, kind=FindingKind.THEME, order=1)
    second = FindingFactory(audit=part_b, kind=FindingKind.THEME, order=2)
    second.risk_factors.add(RiskFactorFactory(name="Going <missing>"), RiskFactorFactory(name="Alcohol"))
    case = part_b.cases.order_by("order").first()
    second.cases.add(case)
    ret = PartAReturn.objects.filter(audit=part_b, case=case).select_related("agency").first()
    second.returns.add(ret)
    client.force_login(qa_manager)
    html = client.get(findings_url(part_b)).content.decode()
    item = html[html.index(f'id="finding-{second.pk}"') :]
    item = item[: item.index("</li>")]
    assert "Risk factors: " in item and "Going &lt;missing&gt;" in item and "Alcohol" in item
    # The case is named once, with the agency whose return is cited; another case cited alone is listed.
    assert f"Evidence: {case.reference} ({ret.agency.short_name})<" in item
    other = part_b.cases.order_by("order").last()
    second.cases.add(other)
    html = client.get(findings_url(part_b)).content.decode()
    item = html[html.index(f'id="finding-{second.pk}"') :]
    assert f"Evidence: {other.reference}; {case.reference} ({ret.agency.short_name})<" in item
    # The last item can move up, not down; its labels name it by its number in the list.
    move = reverse("audits:finding_move", args=[part_b.slug, second.pk])
    assert f'action="{move}"' in item and 'name="csrfmiddlewaretoken"' in item
    assert 'value="up" class="btn btn-outline-secondary btn-sm">' in item
    assert 'value="down" class="btn btn-outline-secondary btn-sm" disabled>' in item
    assert "Move item 2 up" in item and "Move item 2 down" in item
    assert f'href="{reverse("audits:finding_edit", args=[part_b.slug, second.pk])}"' in item
    assert f'action="{reverse("audits:finding_delete", args=[part_b.slug, second.pk])}"' in item
    first_item = html[html.index(f'id="finding-{first.pk}"') :]
    assert 'value="up" class="btn btn-outline-secondary btn-sm" disabled>' in first_item[: first_item.index("</li>")]
    # Outside Part B and Reporting the list has no actions.
    part_b.status = AuditStatus.CLOSED
    part_b.save()
    closed = client.get(findings_url(part_b)).content.decode()
    assert "finding-actions" not in closed and "Evidence: " in closed
