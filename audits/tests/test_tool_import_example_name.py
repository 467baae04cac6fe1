"""A tool version's sheet to start from is named after its tool (audits.tool_import.example): a name beyond
Latin-1 (Welsh ŵ, Polish ł) is given as RFC 6266's filename*, not MIME-encoded with the whole header, which
hid "attachment" and the file's name from the browser."""

import pytest
from django.urls import reverse

from audits.models import AuditTool, ToolVersion
from audits.tests.factories import make_scale

pytestmark = pytest.mark.django_db


def test_the_sheets_name_beyond_latin_1_is_given_as_filename_star(client, qa_manager):
    tool = AuditTool.objects.create(name="Offeryn archwilio ŵ")
    version = ToolVersion.objects.create(tool=tool, number=1, scale=make_scale())
    client.force_login(qa_manager)
    response = client.get(reverse("admin:audits_toolversion_import", args=[version.pk]) + "?example")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''offerynarchwilio%C5%B5-v1.csv"
