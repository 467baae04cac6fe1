"""Planning, audit tools: rows numbered within their parent (a version's stages, a stage's standards, a
scale's grades) may swap their numbers in one save, instead of a server error from the database's
row-by-row check; and a scale's grades are numbered 1, 2, 3… without gaps (the evidence board counts the
steps between two grades by their numbers), at least two of them."""

import pytest
from django.urls import reverse

from audits.models import Grade, GradeScale, Section, Standard
from audits.tests.admin_support import admin_form_data, row_of

pytestmark = pytest.mark.django_db


def test_two_stages_swap_their_numbers(client, qa_manager, version):
    client.force_login(qa_manager)
    first, second = version.sections.order_by("order")
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, first.pk)}-order"], data[f"{row_of(data, second.pk)}-order"] = 2, 1

    assert client.post(url, data).status_code == 302
    assert list(version.sections.order_by("order").values_list("pk", flat=True)) == [second.pk, first.pk]


def test_two_standards_swap_their_numbers(client, qa_manager, version):
    client.force_login(qa_manager)
    section = version.sections.order_by("order").first()
    first, second = section.standards.order_by("order")
    url = reverse("admin:audits_section_change", args=[section.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, first.pk)}-order"], data[f"{row_of(data, second.pk)}-order"] = second.order, first.order

    assert client.post(url, data).status_code == 302
    assert Standard.objects.get(pk=first.pk).order == second.order
    assert Standard.objects.get(pk=second.pk).order == first.order


def test_two_grades_swap_their_ranks_and_codes(client, qa_manager, version):
    client.force_login(qa_manager)
    scale = version.scale
    best, next_best = scale.grades.order_by("rank")[:2]
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    data = admin_form_data(client, url)
    a, b = row_of(data, best.pk), row_of(data, next_best.pk)
    data[f"{a}-rank"], data[f"{b}-rank"] = 2, 1
    data[f"{a}-code"], data[f"{b}-code"] = next_best.code, best.code

    assert client.post(url, data).status_code == 302
    swapped = Grade.objects.get(pk=best.pk)
    assert (swapped.rank, swapped.code) == (2, next_best.code)


@pytest.mark.parametrize(
    ("ranks", "says"),
    [
        ((1, 3, 5), "without gaps (these are 1, 3, 5)"),
        ((0, 1, 2), "without gaps (these are 0, 1, 2)"),
        ((1,), "A scale needs at least two grades"),
    ],
)
def test_a_scales_grades_are_numbered_one_two_three(client, qa_manager, ranks, says):
    client.force_login(qa_manager)
    url = reverse("admin:audits_gradescale_add")
    data = {"name": "Our own scale", "grades-TOTAL_FORMS": len(ranks), "grades-INITIAL_FORMS": 0}
    for n, rank in enumerate(ranks):
        data.update({f"grades-{n}-rank": rank, f"grades-{n}-label": f"Grade {n}", f"grades-{n}-code": f"g{n}"})

    page = client.post(url, data)
    assert page.status_code == 200 and says in page.content.decode()
    assert not GradeScale.objects.filter(name="Our own scale").exists()

    data.update({"grades-TOTAL_FORMS": 3})
    for n, rank in enumerate((1, 2, 3)):
        data.update({f"grades-{n}-rank": rank, f"grades-{n}-label": f"Grade {n}", f"grades-{n}-code": f"g{n}"})
    assert client.post(url, data).status_code == 302
    assert list(GradeScale.objects.get(name="Our own scale").grades.values_list("rank", flat=True)) == [1, 2, 3]


def test_sections_keep_their_own_numbers_when_nothing_moves(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    before = list(Section.objects.filter(version=version).values_list("pk", "order"))
    assert client.post(url, admin_form_data(client, url)).status_code == 302
    assert list(Section.objects.filter(version=version).values_list("pk", "order")) == before
