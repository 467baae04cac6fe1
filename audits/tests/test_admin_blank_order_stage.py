"""Planning → a stage's own page → "Add stage": an Order left empty puts the new stage after its version's
last stage (as on the version's page, test_admin_blank_numbers.py), instead of "This field is required."
A stage already saved still needs its number."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import admin_form_data, page_text

pytestmark = pytest.mark.django_db

HELP = "Leave it empty to put it after the version's last stage."


def new_stage(version, **typed) -> dict:
    return (
        {"version": version.pk, "title": "Planning", "description": "", "order": ""}
        | {
            "standards-TOTAL_FORMS": 0,
            "standards-INITIAL_FORMS": 0,
        }
        | typed
    )


def test_a_new_stage_left_unnumbered_goes_after_the_versions_last(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_section_add")
    page = client.get(url)
    assert HELP in page_text(page)
    assert not page.context["adminform"].form.fields["order"].required

    response = client.post(url, new_stage(version))
    assert response.status_code == 302, page_text(response)[-2000:]
    assert list(version.sections.order_by("order").values_list("title", "order")) == [
        ("Response", 1),
        ("Assessment", 2),
        ("Planning", 3),
    ]
    # A typed number is kept; one taken is refused.
    assert client.post(url, new_stage(version, title="Outcomes", order=5)).status_code == 302
    response = client.post(url, new_stage(version, title="Intervention", order=5))
    assert response.status_code == 200
    assert "Stage with this Version and Order already exists." in page_text(response)
    assert not version.sections.filter(title="Intervention").exists()

    # A stage already saved still needs its number, on its own page.
    stage = version.sections.get(title="Planning")
    change = reverse("admin:audits_section_change", args=[stage.pk])
    page = client.get(change)
    assert HELP not in page_text(page) and page.context["adminform"].form.fields["order"].required
    response = client.post(change, admin_form_data(client, change) | {"order": ""})
    assert response.status_code == 200 and "This field is required." in page_text(response)
    stage.refresh_from_db()
    assert stage.order == 3


def test_a_new_stage_left_unnumbered_goes_after_a_gap_and_its_standards_follow_the_page(client, qa_manager, version):
    client.force_login(qa_manager)
    version.sections.filter(order=2).update(order=7)
    data = new_stage(version) | {
        "standards-TOTAL_FORMS": 2,
        "standards-0-order": "",
        "standards-0-code": "P1",
        "standards-0-text": "The plan was shared with the family.",
        "standards-0-answer_type": "grade",
        "standards-1-order": "",
        "standards-1-code": "P2",
        "standards-1-text": "The plan was reviewed on time.",
        "standards-1-answer_type": "grade",
    }

    response = client.post(reverse("admin:audits_section_add"), data)
    assert response.status_code == 302, page_text(response)[-2000:]
    stage = version.sections.get(title="Planning")
    assert stage.order == 8
    assert list(stage.standards.order_by("order").values_list("code", "order")) == [("P1", 1), ("P2", 2)]


def test_without_a_version_only_the_version_is_asked_for(client, qa_manager, version):
    client.force_login(qa_manager)
    response = client.post(reverse("admin:audits_section_add"), new_stage(version) | {"version": ""})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.errors) == {"version"}
