"""Planning, audit tools: a tool version's (or a stage's) page opened while it was a draft, saved after Part A
returns were made with it (read-only from then on): the page as it now is, saying why nothing was saved, with
what was typed listed to be copied, instead of a bare 403."""

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import Audit, PartAReturn, Section, ToolVersion
from audits.tests.admin_support import opened, page_text, row_of
from audits.tests.factories import make_tool_version

pytestmark = pytest.mark.django_db

NOT_SAVED = (
    "Not saved: Part A returns have been made with this tool version since you opened this page, so it can no "
    "longer change. Copy what you need; “Copy as a new version” makes the next version to adapt."
)


def answered_meanwhile(audit, version) -> None:
    Audit.objects.filter(pk=audit.pk).update(tool_version=version)
    PartAReturn.objects.filter(audit=audit).update(tool_version=version)


@pytest.mark.parametrize("which", ["version", "stage"])
def test_a_draft_tool_saved_after_returns_were_made_with_it_says_so_and_shows_what_was_typed(audit, qa_manager, which):
    version = make_tool_version(standards=4, sections=2)
    section = version.sections.order_by("order").first()
    if which == "version":
        url = reverse("admin:audits_toolversion_change", args=[version.pk])
        client, mine = opened(qa_manager, url)
        mine[f"{row_of(mine, section.pk, 'sections')}-title"] = "Seen alone and heard"
    else:
        standard = section.standards.order_by("order").first()
        url = reverse("admin:audits_section_change", args=[section.pk])
        client, mine = opened(qa_manager, url)
        mine[f"{row_of(mine, standard.pk, 'standards')}-text"] = "Was the child seen alone, and heard?"
    answered_meanwhile(audit, version)
    response = client.post(url, mine)
    assert response.status_code == 409
    said = page_text(response)
    assert NOT_SAVED in said
    typed = "Seen alone and heard" if which == "version" else "Was the child seen alone, and heard?"
    assert typed in said  # what was typed, to copy
    assert 'name="_save"' not in response.content.decode()  # read-only now
    assert not Section.objects.filter(title="Seen alone and heard").exists()
    assert not section.standards.filter(text="Was the child seen alone, and heard?").exists()


def test_people_who_may_never_edit_tools_still_get_a_403(audit, qa_manager, administrator):
    version = make_tool_version(standards=2, sections=1)
    answered_meanwhile(audit, version)
    client = Client()
    client.force_login(administrator)
    url = reverse("admin:audits_toolversion_change", args=[version.pk])
    assert client.post(url, {"number": "9"}).status_code == 403
    assert ToolVersion.objects.get(pk=version.pk).number != 9
