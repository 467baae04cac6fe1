"""A grade whose label has no letters or numbers a code can be made of ("—", "良好", "✓") and whose Code is left
empty is refused on its Code, saying to type one, what was typed kept: it was saved with an empty code, a grade
told apart by nothing (and a second such grade of the scale refused only as a duplicate)."""

import pytest
from django.urls import reverse

from audits.models import GradeScale
from audits.tests.admin_support import page_text
from audits.tests.test_admin_blank_numbers import add_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("label", ["—", "良好"])
def test_a_label_making_no_code_asks_for_one(client, qa_manager, label):
    client.force_login(qa_manager)
    url = reverse("admin:audits_gradescale_add")
    data = {"name": "Symbols", "grades-TOTAL_FORMS": 0, "grades-INITIAL_FORMS": 0}
    rows = [{"rank": "", "label": "Good", "code": ""}, {"rank": "", "label": label, "code": ""}]

    response = client.post(url, add_rows(data, "grades", rows))

    assert response.status_code == 200 and not GradeScale.objects.filter(name="Symbols").exists()
    text = page_text(response)
    assert "has no letters or numbers to make a code from: type one" in text
    assert label in text  # what was typed is kept

    rows[1]["code"] = "not-met"
    assert client.post(url, add_rows(data, "grades", rows)).status_code == 302
    assert set(GradeScale.objects.get(name="Symbols").grades.values_list("label", "code")) == {
        ("Good", "good"),
        (label, "not-met"),
    }
