"""Planning calls a tool version's journey stages "stages", as the app, its messages and README do (the
model's verbose name; it said "Sections")."""

import pytest
from django.urls import reverse

from audits.tests.admin_support import admin_form_data, page_text, row_of

pytestmark = pytest.mark.django_db


def test_a_tool_versions_page_and_planning_say_stages(client, qa_manager, version):
    client.force_login(qa_manager)
    text = page_text(client.get(reverse("admin:audits_toolversion_change", args=[version.pk])))
    assert "Add another Stage" in text and "Section" not in text
    index = page_text(client.get(reverse("admin:app_list", args=["audits"])))
    assert ">Stages<" in index.replace("> ", ">").replace(" <", "<") and "Sections" not in index


def test_a_stage_removed_meanwhile_is_called_a_stage(client, qa_manager, version):
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    data = admin_form_data(client, url)
    second = version.sections.get(order=2)
    data[f"{row_of(data, second.pk)}-title"] = "Assessment of need"
    second.delete()  # by somebody else, after the page was opened

    text = page_text(client.post(url, data))
    assert "The stage in row 2 was removed by somebody else after you opened this page" in text
