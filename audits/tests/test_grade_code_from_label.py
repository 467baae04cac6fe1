"""A new partnership's QA manager making the first grade scale (the onboarding review): a grade's Code may be
left empty and is made from its label. Each grade of a scale typed with labels only was refused with "This
field is required." on a Code the page did not explain, nothing saved."""

import pytest
from django.urls import reverse

from audits.models import GradeScale
from audits.tests.admin_support import page_text
from audits.tests.test_admin_blank_numbers import add_rows

pytestmark = pytest.mark.django_db

LABELS = ("Outstanding", "Good", "Requires improvement", "Inadequate")


def test_grades_typed_without_codes_are_given_codes_from_their_labels(client, qa_manager):
    client.force_login(qa_manager)
    url = reverse("admin:audits_gradescale_add")
    page = client.get(url)
    assert "Leave it empty to make it from the label." in page_text(page)
    data = {"name": "Ofsted four-point", "grades-TOTAL_FORMS": 0, "grades-INITIAL_FORMS": 0}
    data = add_rows(data, "grades", [{"rank": "", "label": label, "code": ""} for label in LABELS])

    response = client.post(url, data)

    assert response.status_code == 302, page_text(response)
    grades = GradeScale.objects.get(name="Ofsted four-point").grades.order_by("rank")
    assert list(grades.values_list("rank", "label", "code")) == [
        (1, "Outstanding", "outstanding"),
        (2, "Good", "good"),
        (3, "Requires improvement", "requires-improvement"),
        (4, "Inadequate", "inadequate"),
    ]


def test_a_code_typed_is_kept_and_two_labels_making_the_same_code_are_refused(client, qa_manager):
    client.force_login(qa_manager)
    url = reverse("admin:audits_gradescale_add")
    data = {"name": "Three-point", "grades-TOTAL_FORMS": 0, "grades-INITIAL_FORMS": 0}
    rows = [{"rank": "", "label": "Good", "code": "g"}, {"rank": "", "label": "Good", "code": ""}]
    response = client.post(url, add_rows(dict(data), "grades", [*rows, {"rank": "", "label": "good", "code": ""}]))
    assert response.status_code == 200 and not GradeScale.objects.filter(name="Three-point").exists()
    assert "Please correct the duplicate data for code" in page_text(response)

    assert client.post(url, add_rows(dict(data), "grades", rows)).status_code == 302
    assert set(GradeScale.objects.get(name="Three-point").grades.values_list("code", flat=True)) == {"g", "good"}
