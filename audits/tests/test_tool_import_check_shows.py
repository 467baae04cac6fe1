"""Add stages and standards from a spreadsheet: the check shows what is added. Each standard's text in full
(it was cut at 160 characters, so a long one, or one holding what should have been the next rows, was added
unread), and a new stage's description, on the line it comes from (it was added without being shown)."""

import pytest
from django.urls import reverse

from audits.models import AuditTool, Section, ToolVersion
from audits.tests.factories import make_scale

pytestmark = pytest.mark.django_db


def test_the_check_shows_each_standards_text_in_full_and_a_new_stages_description(client, qa_manager):
    version = ToolVersion.objects.create(tool=AuditTool.objects.create(name="Tool"), number=1, scale=make_scale())
    long = "The first response was timely, " * 8 + "and the end of it is read."
    text = f'Stage,Standard,Stage description\nResponse,"{long}",From the first concern to the first response.\n'
    client.force_login(qa_manager)
    response = client.post(
        reverse("admin:audits_toolversion_import", args=[version.pk]), {"text": text, "check": "Check"}
    )
    html = response.content.decode()
    assert "and the end of it is read." in html
    assert "Description: From the first concern to the first response." in html
    assert not Section.objects.exists()
