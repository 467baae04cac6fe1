"""A draft tool version's page names its stages that have no standards yet (the onboarding review): a QA
manager making a partnership's first tool added its stages on the version's page and did not find that each
stage's standards are added on the stage's own page, so Part A opened with stages the auditors found empty.
And a stage saved goes back to its version's page, not to the list of every version's stages."""

import pytest
from django.urls import reverse

from audits.models import Section
from audits.tests.admin_support import admin_form_data, page_text
from audits.tests.factories import make_tool_version

pytestmark = pytest.mark.django_db


def test_the_stages_without_standards_are_named_with_where_to_add_them(client, qa_manager):
    version = make_tool_version(standards=2, sections=1)
    Section.objects.create(version=version, order=2, title="Assessment")
    Section.objects.create(version=version, order=3, title="Planning and intervention")
    client.force_login(qa_manager)

    page = page_text(client.get(reverse("admin:audits_toolversion_change", args=[version.pk])))

    assert "These stages have no standards yet: Assessment, Planning and intervention." in page
    assert "Add them on each stage's page" in page


def test_a_version_whose_stages_all_have_standards_says_nothing_of_it(client, qa_manager):
    version = make_tool_version(standards=2, sections=2)
    client.force_login(qa_manager)

    page = page_text(client.get(reverse("admin:audits_toolversion_change", args=[version.pk])))

    assert "no standards yet" not in page


def test_an_answered_version_says_only_why_it_is_read_only(client, qa_manager, audit):
    version = audit.tool_version
    Section.objects.create(version=version, order=99, title="Added by hand")
    client.force_login(qa_manager)

    page = page_text(client.get(reverse("admin:audits_toolversion_change", args=[version.pk])))

    assert "no standards yet" not in page and "is read-only" in page


def test_saving_a_stage_goes_back_to_its_tool_version(client, qa_manager):
    version = make_tool_version(standards=2, sections=2)
    stage = version.sections.order_by("order").first()
    client.force_login(qa_manager)
    url = reverse("admin:audits_section_change", args=[stage.pk])
    data = admin_form_data(client, url)
    data["title"] = "Early help"

    response = client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302, page_text(response)
    assert response["Location"] == reverse("admin:audits_toolversion_change", args=[version.pk])
    stage.refresh_from_db()
    assert stage.title == "Early help"
    # "Save and continue editing" still stays on the stage.
    response = client.post(url, {**admin_form_data(client, url), "_continue": "Save"})
    assert response["Location"] == url
