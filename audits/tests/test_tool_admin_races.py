"""Planning, audit tools: a stage's page (its standards), a tool version's page (its stages) or a scale's page
(its grades) opened before somebody else saved it (another QA manager, the same one's other tab) does not undo
their change when saved for something else; a row it changes too is refused with the value stored now."""

from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import Standard
from audits.tests.admin_support import admin_form_data, row_of
from audits.tests.factories import make_tool_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return make_tool_version(standards=4, sections=2)  # a draft: nobody has answered it


def page(user, url) -> tuple[Client, dict]:
    client = Client()
    client.force_login(user)
    return client, admin_form_data(client, url)


def test_a_stage_page_opened_before_another_edited_a_standard_keeps_their_text(qa_manager, version):
    section = version.sections.order_by("order").first()
    first, second = section.standards.order_by("order")[:2]
    url = reverse("admin:audits_section_change", args=[section.pk])
    client, mine = page(qa_manager, url)
    _, theirs = page(qa_manager, url)
    theirs[f"{row_of(theirs, first.pk, 'standards')}-text"] = "Was the child seen alone, and heard?"
    assert client.post(url, theirs).status_code == 302
    mine[f"{row_of(mine, second.pk, 'standards')}-text"] = "Was the risk assessed with the family?"
    assert client.post(url, mine).status_code == 302
    assert Standard.objects.get(pk=first.pk).text == "Was the child seen alone, and heard?"
    assert Standard.objects.get(pk=second.pk).text == "Was the risk assessed with the family?"


def test_the_same_standard_edited_on_both_pages_is_refused_with_theirs(qa_manager, version):
    section = version.sections.order_by("order").first()
    first = section.standards.order_by("order").first()
    url = reverse("admin:audits_section_change", args=[section.pk])
    client, mine = page(qa_manager, url)
    _, theirs = page(qa_manager, url)
    key = f"{row_of(theirs, first.pk, 'standards')}-text"
    assert client.post(url, theirs | {key: "Was the child seen alone, and heard?"}).status_code == 302
    response = client.post(url, mine | {key: "Was the child seen?"})
    assert response.status_code == 200
    said = unescape(" ".join(response.content.decode().split()))
    assert "Changed by somebody else since you opened this page: it is now Was the child seen alone, and heard?" in said
    assert Standard.objects.get(pk=first.pk).text == "Was the child seen alone, and heard?"


def test_a_version_page_opened_before_another_renamed_a_stage_keeps_their_title(qa_manager, version):
    first, second = version.sections.order_by("order")
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    client, mine = page(qa_manager, url)
    _, theirs = page(qa_manager, url)
    theirs[f"{row_of(theirs, first.pk, 'sections')}-title"] = "Response (renamed)"
    assert client.post(url, theirs).status_code == 302
    mine[f"{row_of(mine, second.pk, 'sections')}-title"] = "Assessment (renamed)"
    assert client.post(url, mine).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, second.title) == ("Response (renamed)", "Assessment (renamed)")


def test_a_scale_page_opened_before_another_renamed_a_grade_keeps_their_label(qa_manager, version):
    scale = version.scale
    best, next_best = scale.grades.order_by("rank")[:2]
    url = reverse("admin:audits_gradescale_change", args=[scale.pk])
    client, mine = page(qa_manager, url)
    _, theirs = page(qa_manager, url)
    theirs[f"{row_of(theirs, best.pk, 'grades')}-label"] = "Outstanding practice"
    assert client.post(url, theirs).status_code == 302
    mine[f"{row_of(mine, next_best.pk, 'grades')}-label"] = "Good practice"
    assert client.post(url, mine).status_code == 302
    best.refresh_from_db()
    next_best.refresh_from_db()
    assert (best.label, next_best.label) == ("Outstanding practice", "Good practice")
