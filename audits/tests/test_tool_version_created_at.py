"""Planning, a tool version's page: "Created at" says when the version was made (added, or copied as a new
version) and cannot be typed over."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import ToolVersion
from audits.tests.admin_support import admin_form_data
from audits.tests.factories import make_tool_version

pytestmark = pytest.mark.django_db


def test_a_versions_created_at_is_shown_not_typed(client, qa_manager):
    version = make_tool_version(standards=2, sections=1)
    made = version.created_at
    client.force_login(qa_manager)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    page = client.get(url)
    assert "created_at" not in page.context["adminform"].form.fields

    data = admin_form_data(client, url)
    data["created_at_0"], data["created_at_1"] = "2001-01-01", "09:00:00"
    assert client.post(url, data).status_code == 302
    assert ToolVersion.objects.get(pk=version.pk).created_at == made


def test_a_new_version_is_made_now(client, qa_manager):
    scale = make_tool_version(standards=1, sections=1).scale
    tool = ToolVersion.objects.get().tool
    client.force_login(qa_manager)
    before = timezone.now()
    data = {"tool": tool.pk, "number": 2, "scale": scale.pk, "notes": "", "sections-TOTAL_FORMS": 0}
    data |= {"sections-INITIAL_FORMS": 0, "created_at_0": "2001-01-01", "created_at_1": "09:00:00"}
    assert client.post(reverse("admin:audits_toolversion_add"), data).status_code == 302
    made = ToolVersion.objects.get(number=2).created_at
    assert before <= made <= timezone.now() + datetime.timedelta(seconds=1)
