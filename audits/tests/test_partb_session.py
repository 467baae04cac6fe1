"""The Part B session: who chaired it and who else attended besides the agencies' auditors."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.models import Attendance, AttendanceStatus, AuditStatus, PartBSession
from audits.services.partb import session_update
from conftest import CAST

pytestmark = pytest.mark.django_db

OTHERS = "Ann Lee, LSCB Quality Assurance Manager\n\n  DS Kim Hart, Police safeguarding unit  \nDr Sam Roy, Designated Doctor\n"


def session_url(audit):
    return reverse("audits:session", args=[audit.slug])


def _post(part_b, **changes):
    a, b = part_b.participants.order_by("agency__name")
    data = {
        "date": "2027-01-20",
        "venue": "Hove Town Hall",
        "notes": "Room booked until 4pm.",
        "chair": "Ann Lee, LSCB Quality Assurance Manager",
        "other_attendees": OTHERS,
        f"participant_{a.pk}": "present",
        f"participant_{b.pk}": "apologies",
    }
    data.update(changes)
    return data


def test_chair_and_other_attendees_are_saved_with_the_rest_of_the_session(client, lead_officer, part_b):
    client.force_login(lead_officer)
    html = client.get(session_url(part_b)).content.decode()
    form = html.split('data-testid="session-form"')[1].split("</form>")[0]
    assert 'name="chair"' in form and 'name="other_attendees"' in form and 'name="venue"' in form

    response = client.post(session_url(part_b), _post(part_b), follow=True)

    assert "Session saved." in response.content.decode()
    session = PartBSession.objects.get(audit=part_b)
    assert session.chair == "Ann Lee, LSCB Quality Assurance Manager"
    # One a line: surrounding spaces and blank lines dropped.
    assert session.other_attendees == (
        "Ann Lee, LSCB Quality Assurance Manager\nDS Kim Hart, Police safeguarding unit\nDr Sam Roy, Designated Doctor"
    )
    assert session.other_attendee_list[2] == "Dr Sam Roy, Designated Doctor"
    assert (session.venue, session.notes) == ("Hove Town Hall", "Room booked until 4pm.")
    assert sorted(Attendance.objects.values_list("status", flat=True)) == [
        AttendanceStatus.APOLOGIES,
        AttendanceStatus.PRESENT,
    ]
    html = client.get(session_url(part_b)).content.decode()
    assert 'value="Ann Lee, LSCB Quality Assurance Manager"' in html
    assert "DS Kim Hart, Police safeguarding unit\nDr Sam Roy, Designated Doctor</textarea>" in html


def test_a_closed_audit_shows_the_chair_and_other_attendees_read_only(client, qa_manager, part_b):
    PartBSession.objects.create(
        audit=part_b, venue="Hove Town Hall", chair="Ann Lee, QA Manager", other_attendees="Dr <b>Roy</b>\nDS Hart"
    )
    part_b.status = AuditStatus.CLOSED
    part_b.save()
    client.force_login(qa_manager)

    html = client.get(session_url(part_b)).content.decode()

    assert 'data-testid="session-form"' not in html
    people = html.split('data-testid="session-people"')[1].split("</dl>")[0]
    assert "<dt>Chair</dt><dd>Ann Lee, QA Manager</dd>" in people
    assert "<li>Dr &lt;b&gt;Roy&lt;/b&gt;</li><li>DS Hart</li>" in people


@pytest.mark.parametrize(
    "status,note",
    [
        (AuditStatus.PART_A, "The agencies' attendance is recorded once the audit reaches Part B."),
        (
            AuditStatus.CLOSED,
            "The agencies' attendance as recorded at the Part B session: final now that the audit is closed.",
        ),
    ],
)
def test_attendance_that_cannot_be_changed_says_why(client, qa_manager, part_b, status, note):
    """Before Part B it is not recorded yet; once the audit is closed it is final, not "to come"."""
    part_b.status = status
    part_b.save()
    client.force_login(qa_manager)

    html = client.get(session_url(part_b)).content.decode()

    assert note in html
    assert html.count("once the audit reaches Part B") == (status == AuditStatus.PART_A)


def test_a_refused_save_keeps_everything_typed_and_saves_nothing(client, qa_manager, part_b):
    client.force_login(qa_manager)
    client.post(session_url(part_b), _post(part_b))
    a, b = part_b.participants.order_by("agency__name")

    long_chair = "C" * 201
    response = client.post(
        session_url(part_b),
        _post(part_b, chair=long_chair, other_attendees="Dr New, Designated Nurse", **{f"participant_{b.pk}": ""}),
    )

    html = response.content.decode()
    assert response.status_code == 400
    # The error is next to its field and linked to it; what was typed is shown again.
    assert 'aria-describedby="id_chair_helptext id_chair_error"' in html
    assert "Write the chair&#x27;s name and role in at most 200 characters (this is 201)." in html
    assert f'value="{long_chair}"' in html
    assert "Dr New, Designated Nurse</textarea>" in html
    assert f'value="" class="form-check-input" id="id_participant_{b.pk}_0" checked' in html
    session = PartBSession.objects.get(audit=part_b)
    assert session.chair == "Ann Lee, LSCB Quality Assurance Manager"
    assert session.other_attendee_list[0] == "Ann Lee, LSCB Quality Assurance Manager"
    assert Attendance.objects.get(participant=b).status == AttendanceStatus.APOLOGIES


def test_other_attendees_are_one_person_a_line_within_limits(client, qa_manager, part_b):
    client.force_login(qa_manager)
    long_line = "Dr " + "x" * 198
    response = client.post(session_url(part_b), _post(part_b, other_attendees=f"DS Hart, Police\n{long_line}"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_other_attendees_helptext id_other_attendees_error"' in html
    assert f"Attendee 2 (“{long_line[:30]}…”) is longer than 200 characters (it is 201)" in html
    assert f"DS Hart, Police\n{long_line}</textarea>" in html

    too_many = "\n".join(f"Person {n}, Practitioner" for n in range(200))  # short lines, too much in all
    response = client.post(session_url(part_b), _post(part_b, other_attendees=too_many))
    assert response.status_code == 400
    assert "Other attendees can be at most 4000 characters in all" in response.content.decode()
    assert not PartBSession.objects.filter(audit=part_b).exclude(other_attendees="").exists()

    # Professionals named with their role (and a work phone) are not held up by the identifier guard.
    response = client.post(
        session_url(part_b), _post(part_b, other_attendees="Dr Roy, Designated Doctor, 01273 696955")
    )
    assert response.status_code == 302
    assert PartBSession.objects.get(audit=part_b).other_attendees == "Dr Roy, Designated Doctor, 01273 696955"


def test_the_service_refuses_a_chair_too_long_and_leaves_unnamed_details_as_they_are(qa_manager, part_b):
    session_update(user=qa_manager, audit=part_b, date=None, venue="Room 1", chair="Ann Lee", other_attendees="DS Hart")
    # A caller that does not name the chair or the other attendees leaves them alone.
    session_update(user=qa_manager, audit=part_b, date=None, venue="Room 2")
    session = PartBSession.objects.get(audit=part_b)
    assert (session.venue, session.chair, session.other_attendees) == ("Room 2", "Ann Lee", "DS Hart")
    with pytest.raises(ValidationError):
        session_update(user=qa_manager, audit=part_b, date=None, venue="Room 3", chair="C" * 201)
    assert PartBSession.objects.get(audit=part_b).venue == "Room 2"


@pytest.mark.parametrize("who", CAST)
def test_only_the_qa_manager_and_the_lead_officer_record_who_attended(client_for, part_b, who):
    response = client_for(who).post(session_url(part_b), _post(part_b, chair="Sneaky Chair"))
    saved = PartBSession.objects.filter(audit=part_b, chair="Sneaky Chair").exists()
    if who in {"qa_manager", "lead_officer"}:
        assert response.status_code == 302 and saved
    else:
        assert response.status_code == (302 if who == "anonymous" else 404)
        assert not saved
