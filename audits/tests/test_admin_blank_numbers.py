"""Planning: a new stage, standard, grade or case whose number (order, rank) is left empty goes after the
others, numbered last + 1 in the order of the rows on the page, instead of "This field is required." A row
already saved still needs its number; the rows' swaps (test_tool_admin_numbers.py) are unchanged."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus, Case, GradeScale, Section
from audits.tests.admin_support import admin_form_data, page_text, row_of

pytestmark = pytest.mark.django_db


def add_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    """`data` with new rows, as "Add another" adds them: each field as typed, the number left empty."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data = data | {f"{prefix}-TOTAL_FORMS": n + len(rows)}
    for i, row in enumerate(rows, start=n):
        data |= {f"{prefix}-{i}-{name}": value for name, value in row.items()}
    return data


def test_new_stages_left_unnumbered_go_after_the_others_in_the_pages_order(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    page = client.get(url)
    assert "Leave it empty to put it after the others." in page_text(page)
    data = add_rows(
        admin_form_data(client, url),
        "sections",
        [{"title": "Planning", "order": ""}, {"title": "Intervention", "order": ""}],
    )

    assert client.post(url, data).status_code == 302
    stages = list(version.sections.order_by("order").values_list("title", "order"))
    assert stages == [("Response", 1), ("Assessment", 2), ("Planning", 3), ("Intervention", 4)]


def test_a_blank_new_stage_goes_after_one_numbered_on_the_same_page(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = add_rows(
        admin_form_data(client, url),
        "sections",
        [{"title": "Outcomes", "order": ""}, {"title": "Protection", "order": "7"}],
    )

    assert client.post(url, data).status_code == 302
    assert dict(version.sections.values_list("title", "order")) == {
        "Response": 1,
        "Assessment": 2,
        "Protection": 7,
        "Outcomes": 8,
    }


def test_a_blank_new_stage_goes_after_one_added_meanwhile_from_another_page(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    Section.objects.create(version=version, order=5, title="Added in another tab")

    assert client.post(url, add_rows(data, "sections", [{"title": "Planning", "order": ""}])).status_code == 302
    assert version.sections.get(title="Planning").order == 6


def test_a_removed_stages_number_is_taken_by_the_blank_new_one(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    second = version.sections.get(order=2)
    data[f"{row_of(data, second.pk)}-DELETE"] = "on"

    assert client.post(url, add_rows(data, "sections", [{"title": "Planning", "order": ""}])).status_code == 302
    assert list(version.sections.order_by("order").values_list("title", "order")) == [
        ("Response", 1),
        ("Planning", 2),
    ]


def test_a_saved_stage_still_needs_its_number(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    first = version.sections.get(order=1)
    data[f"{row_of(data, first.pk)}-order"] = ""

    page = client.post(url, data)
    assert page.status_code == 200 and "This field is required." in page_text(page)
    assert Section.objects.get(pk=first.pk).order == 1


def test_a_new_standard_left_unnumbered_goes_after_the_stages_others(client, qa_manager, version):
    client.force_login(qa_manager)
    stage = version.sections.get(order=1)
    last = stage.standards.order_by("order").last().order
    url = reverse("admin:audits_section_change", args=[stage.pk])
    data = add_rows(
        admin_form_data(client, url),
        "standards",
        [{"order": "", "code": "R9", "text": "The referral was acted on the same day.", "answer_type": "grade"}],
    )

    assert client.post(url, data).status_code == 302
    assert stage.standards.get(code="R9").order == last + 1


def test_grades_left_unranked_on_a_new_scale_are_ranked_one_two_three(client, qa_manager):
    client.force_login(qa_manager)
    url = reverse("admin:audits_gradescale_add")
    data = {"name": "Our own scale", "grades-TOTAL_FORMS": 0, "grades-INITIAL_FORMS": 0}
    data = add_rows(
        data, "grades", [{"rank": "", "label": label, "code": label.lower()} for label in ("Good", "Fair", "Poor")]
    )

    assert client.post(url, data).status_code == 302
    grades = GradeScale.objects.get(name="Our own scale").grades.order_by("rank")
    assert list(grades.values_list("label", "rank")) == [("Good", 1), ("Fair", 2), ("Poor", 3)]


@pytest.fixture
def planning(audit) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PLANNING)
    return Audit.objects.get(pk=audit.pk)


def test_new_cases_left_unnumbered_are_listed_after_the_others(client, qa_manager, planning):
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[planning.pk])
    page = client.get(url)
    assert page.context["inline_admin_formsets"][1].formset.empty_form["order"].value() is None  # not "0"
    case = {"age_band": "13-15", "gender": "female"}
    data = add_rows(
        admin_form_data(client, url),
        "cases",
        [case | {"reference": "Case 10"}, {}, case | {"reference": "Case 3"}],  # the second left empty
    )

    assert client.post(url, data).status_code == 302
    assert list(Case.objects.filter(audit=planning).values_list("reference", "order")) == [
        ("Case 1", 1),
        ("Case 2", 2),
        ("Case 10", 3),
        ("Case 3", 4),
    ]


def test_a_blank_new_case_after_one_numbered_as_high_as_numbers_go_is_refused_not_a_server_error(
    client, qa_manager, planning
):
    # Order 32767, the highest a case's order can be, typed on one row, another left empty: numbered 32768 for
    # the database, which refused it, a server error, the whole page lost.
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[planning.pk])
    case = {"age_band": "13-15", "gender": "female"}
    data = add_rows(
        admin_form_data(client, url),
        "cases",
        [case | {"reference": "Case 10", "order": "32767"}, case | {"reference": "Case 11"}],
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "already numbered up to 32767 and no order can be higher than 32767" in page_text(response)
    assert 'value="Case 11"' in response.content.decode()
    assert Case.objects.filter(audit=planning).count() == 2
