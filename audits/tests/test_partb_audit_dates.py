"""An audit's dates in order: the Part B session, which discusses the Part A returns, is not before
Part A is due (the same day will do). Past dates are fine: running and historic audits have them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.models import Audit, PartBSession
from audits.services.partb import session_update
from audits.tests.test_planning_admin import audit_form

pytestmark = pytest.mark.django_db

DUE = datetime.date(2017, 3, 1)
DAY_BEFORE = DUE - datetime.timedelta(days=1)


def test_the_model_refuses_a_part_b_session_before_part_a_is_due(audit):
    audit.part_a_due, audit.part_b_date = DUE, DAY_BEFORE
    with pytest.raises(ValidationError) as refused:
        audit.full_clean()
    assert refused.value.message_dict["part_b_date"] == [
        "The Part B session (28 February 2017) cannot be before Part A is due (1 March 2017): the session "
        "discusses the Part A returns. Move the session later, or Part A's due date earlier."
    ]
    # The same day, a later one, or either missing: fine, past dates included.
    for part_b_date in (DUE, DUE + datetime.timedelta(days=14), None):
        audit.part_b_date = part_b_date
        audit.full_clean()
    audit.part_a_due, audit.part_b_date = None, DAY_BEFORE
    audit.full_clean()


def test_planning_shows_the_problem_next_to_the_part_b_date(client, qa_manager):
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_add")
    data = audit_form("dates-2017", part_a_due=DUE.isoformat(), part_b_date=DAY_BEFORE.isoformat())

    response = client.post(url, data)

    page = response.content.decode()
    assert response.status_code == 200
    row = page.split("field-part_b_date")[1].split("field-what_next")[0]
    assert "cannot be before Part A is due (1 March 2017)" in row and "errorlist" in row
    assert not Audit.objects.filter(slug="dates-2017").exists()
    assert client.post(url, {**data, "part_b_date": DUE.isoformat()}).status_code == 302


def test_the_session_page_refuses_a_session_before_part_a_is_due(client, qa_manager, part_b):
    Audit.objects.filter(pk=part_b.pk).update(part_a_due=DUE)
    client.force_login(qa_manager)
    url = reverse("audits:session", args=[part_b.slug])

    response = client.post(url, {"date": DAY_BEFORE.isoformat(), "venue": "Room 1"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be before Part A is due (1 March 2017)" in page.split('id="id_date_error"')[1].split("</div>")[0]
    assert 'value="Room 1"' in page  # what was typed is kept
    assert not PartBSession.objects.filter(audit=part_b).exists()
    assert Audit.objects.get(pk=part_b.pk).part_b_date is None
    # The service keeps the rule too.
    part_b.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be before Part A is due"):
        session_update(user=qa_manager, audit=part_b, date=DAY_BEFORE, venue="Room 1")
    # The day Part A is due will do.
    assert client.post(url, {"date": DUE.isoformat(), "venue": "Room 1"}).status_code == 302
    assert Audit.objects.get(pk=part_b.pk).part_b_date == DUE
