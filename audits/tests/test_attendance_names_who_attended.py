"""Each agency's attendance at the Part B session names the person it was recorded for (the agency's
named auditor when it was saved), not whoever is its auditor now: an auditor replaced after the session
(they left, a colleague finishes) is still the one who attended or sent apologies, in Part B and once
the audit is closed and its record final. A row recorded after the change names the new auditor."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from agencies.tests.factories import UserFactory
from audits.models import Attendance, AttendanceStatus, AuditStatus
from audits.services.participants import participant_auditor_change

pytestmark = pytest.mark.django_db


def session_url(audit):
    return reverse("audits:session", args=[audit.slug])


def legends(client, audit) -> list[str]:
    """Each agency's attendance label, "Agency (person)", in the page's order (by agency name)."""
    html = client.get(session_url(audit)).content.decode()
    return re.findall(r'<legend class="fs-6 fw-semibold mb-1">(.*?)</legend>', html)


def label(agency: str, person: str) -> str:
    return f"{escape(agency)} ({escape(person)})"


def post(client, audit, **statuses):
    """The session page's save, the details as they are, each agency's status by its agency's name."""
    data = {"date": "2027-01-20", "venue": "Hove Town Hall"}
    for participant in audit.participants.select_related("agency"):
        data[f"participant_{participant.pk}"] = statuses.get(participant.agency.name, "")
    response = client.post(session_url(audit), data)
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def recorded(client, qa_manager, part_b, auditor, other_auditor):
    """The session recorded: agency A's auditor present, agency B's sent apologies."""
    a, b = auditor.agency.name, other_auditor.agency.name
    client.force_login(qa_manager)
    post(client, part_b, **{a: AttendanceStatus.PRESENT, b: AttendanceStatus.APOLOGIES})
    return a, b


def replace(audit, agency, qa_manager):
    """The agency's auditor leaves after the session: the QA manager names a colleague to finish."""
    successor = UserFactory(username="successor.a", first_name="Nia", last_name="Vance", agency=agency)
    participant_auditor_change(audit=audit, agency=agency, auditor=successor, user=qa_manager)
    return successor


def test_the_session_still_names_who_attended_after_the_auditor_is_replaced(
    client, qa_manager, part_b, auditor, other_auditor, recorded
):
    a, b = recorded
    successor = replace(part_b, auditor.agency, qa_manager)

    shown = legends(client, part_b)

    assert sorted(shown) == sorted([label(a, auditor.get_full_name()), label(b, other_auditor.get_full_name())])
    assert "Nia Vance" not in " ".join(shown)
    assert Attendance.objects.get(participant__agency=auditor.agency).attendee == auditor.get_full_name()

    # Saved again with the statuses as they were (a post that does not say what its page showed
    # writes every agency as posted): the record still names the one who attended.
    post(client, part_b, **{a: AttendanceStatus.PRESENT, b: AttendanceStatus.APOLOGIES})
    assert label(a, auditor.get_full_name()) in legends(client, part_b)

    # Closed, the record is final: it names who attended, not who finished the returns.
    part_b.status = AuditStatus.CLOSED
    part_b.save()
    shown = legends(client, part_b)
    assert label(a, auditor.get_full_name()) in shown
    assert successor.get_full_name() not in " ".join(shown)


def test_attendance_recorded_after_the_change_names_the_new_auditor(
    client, qa_manager, part_b, auditor, other_auditor, recorded
):
    a, b = recorded
    replace(part_b, auditor.agency, qa_manager)

    # A's status changed after the change: recorded for the auditor named then.
    post(client, part_b, **{a: AttendanceStatus.APOLOGIES, b: AttendanceStatus.APOLOGIES})

    assert sorted(legends(client, part_b)) == sorted([label(a, "Nia Vance"), label(b, other_auditor.get_full_name())])
    assert dict(Attendance.objects.values_list("participant__agency__name", "attendee")) == {
        a: "Nia Vance",
        b: other_auditor.get_full_name(),
    }


def test_an_agency_not_recorded_names_its_auditor_now(client, qa_manager, part_b, auditor, other_auditor):
    a, b = auditor.agency.name, other_auditor.agency.name
    client.force_login(qa_manager)
    post(client, part_b, **{b: AttendanceStatus.PRESENT})
    replace(part_b, auditor.agency, qa_manager)

    assert label(a, "Nia Vance") in legends(client, part_b)

    # Taken off and recorded again: the auditor named then.
    participant_auditor_change(
        audit=part_b,
        agency=other_auditor.agency,
        auditor=UserFactory(username="b.next", first_name="Owen", last_name="Dale", agency=other_auditor.agency),
        user=qa_manager,
    )
    post(client, part_b, **{a: AttendanceStatus.PRESENT})
    post(client, part_b, **{a: AttendanceStatus.PRESENT, b: AttendanceStatus.PRESENT})
    assert sorted(legends(client, part_b)) == sorted([label(a, "Nia Vance"), label(b, "Owen Dale")])
