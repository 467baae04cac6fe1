"""Planning → a tool version → Add stages and standards from a spreadsheet: a new stage after the version's
stages, or a standard after its stage's, when they are already numbered up to 32767 (the highest an order
can be), is refused on its row, saying why and what to do, nothing added, instead of a server error."""

import pytest
from django.urls import reverse

from audits.models import Standard
from audits.tests.admin_support import page_text

pytestmark = pytest.mark.django_db

HEAD = "Stage,Code,Standard,Guidance,Answer\n"


def _import(client, version, text):
    url = reverse("admin:audits_toolversion_import", args=[version.pk])
    return client.post(url, {"text": text, "check": "Check"})


def test_a_sheets_new_stage_after_one_numbered_as_high_as_numbers_go_is_refused(client, qa_manager, version):
    client.force_login(qa_manager)
    version.sections.filter(order=2).update(order=32767)
    text = HEAD + "Outcomes,O1,The outcome was recorded.,,\n"

    response = _import(client, version, text)

    assert response.status_code == 200
    said = page_text(response)
    assert "already numbered up to 32767 and no order can be higher than 32767" in said
    assert "The outcome was recorded." in response.content.decode()
    assert not version.sections.filter(title="Outcomes").exists()


def test_a_sheets_standard_after_one_numbered_as_high_as_numbers_go_is_refused(client, qa_manager, version):
    client.force_login(qa_manager)
    stage = version.sections.order_by("order").first()
    stage.standards.filter(pk=stage.standards.order_by("-order").first().pk).update(order=32767)
    text = HEAD + f"{stage.title},Z1,Another standard.,,\n"

    response = _import(client, version, text)

    assert response.status_code == 200
    assert "already numbered up to 32767 and no order can be higher than 32767" in page_text(response)
    assert not Standard.objects.filter(code="Z1").exists()
    checked = response.context["form"]["checked"].value()
    url = reverse("admin:audits_toolversion_import", args=[version.pk])
    assert client.post(url, {"text": text, "add": "Add", "checked": checked}).status_code == 200
    assert not Standard.objects.filter(code="Z1").exists()
