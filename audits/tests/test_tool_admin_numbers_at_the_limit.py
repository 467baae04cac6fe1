"""Planning: stages (standards, grades) renumbered or removed beside one numbered 32767, the highest an
order can be, are saved, instead of a server error: the rows being renumbered are parked on numbers no
row uses nor is given, below the others' when none is left above them (test_tool_admin_numbers.py)."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import admin_form_data, row_of

pytestmark = pytest.mark.django_db


def test_stages_swapped_beside_one_numbered_as_high_as_numbers_go_are_saved(client, qa_manager, version):
    client.force_login(qa_manager)
    first, second = version.sections.order_by("order")
    last = version.sections.create(title="Outcomes", order=32767)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, first.pk)}-order"], data[f"{row_of(data, second.pk)}-order"] = 2, 1

    assert client.post(url, data).status_code == 302
    assert list(version.sections.order_by("order").values_list("pk", flat=True)) == [second.pk, first.pk, last.pk]


def test_a_stage_removed_beside_one_numbered_as_high_as_numbers_go_is_removed(client, qa_manager, version):
    client.force_login(qa_manager)
    first, second = version.sections.order_by("order")
    last = version.sections.create(title="Outcomes", order=32767)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, second.pk)}-DELETE"] = "on"

    assert client.post(url, data).status_code == 302
    assert list(version.sections.order_by("order").values_list("pk", flat=True)) == [first.pk, last.pk]


def test_the_stage_numbered_as_high_as_numbers_go_can_be_numbered_lower(client, qa_manager, version):
    client.force_login(qa_manager)
    last = version.sections.create(title="Outcomes", order=32767)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, last.pk)}-order"] = 3

    assert client.post(url, data).status_code == 302
    assert version.sections.get(pk=last.pk).order == 3


def test_a_standard_moved_beside_one_numbered_as_high_as_numbers_go_is_saved(client, qa_manager, version):
    client.force_login(qa_manager)
    section = version.sections.order_by("order").first()
    first, second = section.standards.order_by("order")
    section.standards.filter(pk=second.pk).update(order=32767)
    url = reverse("admin:audits_section_change", args=[section.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, first.pk)}-order"] = 5

    assert client.post(url, data).status_code == 302
    assert list(section.standards.order_by("order").values_list("pk", "order")) == [(first.pk, 5), (second.pk, 32767)]


def test_a_stage_moved_to_the_number_another_was_parked_on_is_saved(client, qa_manager, version):
    # Stages 1, 2, 3: the first moved to 6, the second to 4. Parked above the others (4, then 6), the first
    # was then saved as 6 while the second still stood there.
    client.force_login(qa_manager)
    first, second = version.sections.order_by("order")
    version.sections.create(title="Outcomes", order=3)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    data[f"{row_of(data, first.pk)}-order"], data[f"{row_of(data, second.pk)}-order"] = 6, 4

    assert client.post(url, data).status_code == 302
    assert version.sections.get(pk=first.pk).order == 6 and version.sections.get(pk=second.pk).order == 4
