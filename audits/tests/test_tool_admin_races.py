"""Planning, audit tools: a stage's page (its standards), a tool version's page (its stages) or a scale's page
(its grades) opened before somebody else saved it (another QA manager, the same one's other tab) does not undo
their change when saved for something else; a row it changes too is refused with the value stored now."""

import pytest
from django.urls import reverse

from audits.models import Standard
from audits.tests.admin_support import opened, page_text, row_of

pytestmark = pytest.mark.django_db


def rows(version, page: str):
    """The page's URL, its inline's prefix, its field, and the first two rows of that inline."""
    if page == "stage":  # a stage's standards
        section = version.sections.order_by("order").first()
        return "audits_section_change", section.pk, "standards", "text", list(section.standards.order_by("order")[:2])
    if page == "version":  # a tool version's stages
        return "audits_toolversion_change", version.pk, "sections", "title", list(version.sections.order_by("order"))
    scale = version.scale  # a scale's grades
    return "audits_gradescale_change", scale.pk, "grades", "label", list(scale.grades.order_by("rank")[:2])


@pytest.mark.parametrize("which", ["stage", "version", "scale"])
def test_a_page_opened_before_another_changed_one_row_keeps_their_change(qa_manager, version, which):
    name, pk, prefix, field, (first, second) = rows(version, which)
    url = reverse(f"admin:{name}", args=[pk])
    client, mine = opened(qa_manager, url)
    _, theirs = opened(qa_manager, url)
    theirs[f"{row_of(theirs, first.pk, prefix)}-{field}"] = "Theirs, saved first"
    assert client.post(url, theirs).status_code == 302
    mine[f"{row_of(mine, second.pk, prefix)}-{field}"] = "Mine, saved second"
    assert client.post(url, mine).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (getattr(first, field), getattr(second, field)) == ("Theirs, saved first", "Mine, saved second")


def test_the_same_standard_edited_on_both_pages_is_refused_with_theirs(qa_manager, version):
    section = version.sections.order_by("order").first()
    first = section.standards.order_by("order").first()
    url = reverse("admin:audits_section_change", args=[section.pk])
    client, mine = opened(qa_manager, url)
    _, theirs = opened(qa_manager, url)
    key = f"{row_of(theirs, first.pk, 'standards')}-text"
    assert client.post(url, theirs | {key: "Was the child seen alone, and heard?"}).status_code == 302
    response = client.post(url, mine | {key: "Was the child seen?"})
    assert response.status_code == 200
    said = page_text(response)
    assert "Changed by somebody else since you opened this page: it is now Was the child seen alone, and heard?" in said
    assert Standard.objects.get(pk=first.pk).text == "Was the child seen alone, and heard?"
