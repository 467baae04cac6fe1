"""The briefing PDF's tags (PDF/UA), read back from its structure tree: the heatmap annex's figures are a
table of header and data cells, not only an image; the cover's facts are a list of list items."""

from __future__ import annotations

import pytest

from audits.selectors.partb import grade_distribution
from briefings.content import build_content, document_context
from briefings.models import Edition
from briefings.rendering import render_pdf

from .support import structure_tree

pytestmark = pytest.mark.django_db


def test_the_heatmap_annex_holds_its_figures_as_a_table_of_header_and_data_cells(graded, make_briefing):
    dist = grade_distribution(graded)
    agencies = {agency.short_name: agency.name for agency in dist.agencies}
    tree = structure_tree(render_pdf(build_content(make_briefing(Edition.MANAGERS), number=1)).pdf)

    [table] = tree.find_all("Table")  # the managers' briefing has no case table
    [caption] = [child for child in table.children if child.tag == "Caption"]
    assert "Key: O Outstanding, G Good, RI Requires improvement, I Inadequate, N/A not applicable" in caption.text
    headers = {th.id: th.text for th in table.find_all("TH")}
    assert all(headers) and len(headers) == 1 + len(dist.agencies) + len(dist.rows)
    assert [th.text for th in table.find_all("THead")[0].find_all("TH")] == ["Standard", *agencies.values()]

    # Each data cell names its standard's row header and its agency's column header, and holds the counts.
    cells = {}
    for td in table.find_all("TD"):
        named = [headers[str(header)] for header in td.attributes["/Headers"]]
        cells[tuple(named)] = td.text
    assert len(cells) == len(dist.rows) * len(dist.agencies)
    for standard, _cells in dist.rows:
        row = f"{standard.code} {' '.join(standard.text.split())}"
        assert cells[(row, agencies["Police"])] == "O 1, RI 1"
        assert cells[(row, agencies["CSW"])] == "G 1"


def test_the_cover_facts_are_a_list_of_list_items(make_briefing):
    tree = structure_tree(render_pdf(build_content(make_briefing(Edition.PRACTITIONERS), number=2)).pdf)
    [facts] = [lst for lst in tree.find_all("L") if "cases audited" in lst.text.lower()]
    assert [item.tag for item in facts.children] == ["LI"] * len(facts.children) and len(facts.children) >= 3
    assert all([body.tag for body in item.children] == ["LBody"] for item in facts.children)
    assert "version 2" in facts.children[-1].text.lower()


def test_a_version_published_before_the_table_still_renders_its_chart(graded, make_briefing):
    content = build_content(make_briefing(Edition.MANAGERS), number=1)
    [annex] = [s for s in document_context(content)["sections"] if s["key"] == "heatmap"]
    assert annex["heatmap_table"] and "The same figures are in the table" in annex["figure_alt"]

    del content["heatmap_table"]  # the content a version published before it froze
    [annex] = [s for s in document_context(content)["sections"] if s["key"] == "heatmap"]
    assert annex["figure"] and annex["heatmap_table"] is None
    assert "The same figures" not in annex["figure_alt"]
    assert render_pdf(content).pages >= 2
