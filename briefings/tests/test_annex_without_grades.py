"""With no Part A grades at all, the managers' briefing leaves out its heatmap annex (a chart and a table of
dashes), as it leaves out an empty section: in the preview, the PDF's content and the publish page's list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from briefings import services
from briefings.content import build_content, document_context, printed_sections
from briefings.models import BriefingSection, Edition

pytestmark = pytest.mark.django_db

ANNEX = "Annex: grades across standards and agencies"


def _listed(client, briefing) -> str:
    page = client.get(reverse("briefings:publish", args=[briefing.audit.slug, briefing.edition])).content.decode()
    return page.split("It will hold these sections")[1].split("</ol>")[0]


def test_without_part_a_grades_the_annex_is_left_out(make_briefing, client_for):
    briefing = make_briefing(Edition.MANAGERS)
    assert not briefing.sections.get(key="heatmap").hidden  # shown by default

    content = build_content(briefing)
    assert content["heatmap_svg"] == "" and content["heatmap_table"] is None
    assert "heatmap" not in [s["key"] for s in document_context(content)["sections"]]
    assert "heatmap" not in [s.key for s in printed_sections(briefing.sections.all(), briefing.edition, briefing.audit)]

    client = client_for("qa_manager")
    assert ANNEX not in _listed(client, briefing)
    preview = client.get(reverse("briefings:preview", args=[briefing.audit.slug, briefing.edition])).content.decode()
    assert ANNEX not in preview


def test_with_part_a_grades_the_annex_is_printed(graded, make_briefing, client_for):
    briefing = make_briefing(Edition.MANAGERS)
    content = build_content(briefing)
    assert content["heatmap_svg"] and content["heatmap_table"]["rows"]
    assert "heatmap" in [s["key"] for s in document_context(content)["sections"]]
    assert ANNEX in _listed(client_for("qa_manager"), briefing)


def test_an_annex_alone_without_grades_is_a_cover_page_only(make_briefing, qa_manager):
    briefing = make_briefing(Edition.MANAGERS)
    BriefingSection.objects.filter(briefing=briefing).exclude(key="heatmap").update(hidden=True)
    with pytest.raises(services.BriefingError, match="so the PDF would be a cover page only"):
        services.briefing_publish(briefing=briefing, user=qa_manager)
