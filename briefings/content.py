"""One briefing's content: the snapshot a version freezes, and the context both renderings use.

`build_content(briefing)` reads the draft (its visible sections, in order) and the data the
data sections need (the heatmap SVG, the case judgements) into a JSON-serialisable dict. A
published BriefingVersion stores exactly that dict, and the PDF is rendered from it, so a version
never changes when the draft or the findings move on.

`document_context(content)` turns such a dict into what templates/briefings/includes/document.html
needs. The browser preview and the PDF both go through it and through that one template, so they
hold the same sections in the same order.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import datetime
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from audits.charts import grade_abbreviations, render_heatmap_svg
from audits.models import Answer, AnswerType, Audit
from audits.selectors.partb import RECEIVED_STATUSES, GradeDistribution, grade_distribution

from . import markup
from .models import Briefing, BriefingSection, Edition
from .prefill import DATA_SECTIONS, allowed_in
from .selectors import AuditBriefingData, audit_briefing_data

CONTENT_SCHEMA = 1


def heatmap_table(dist: GradeDistribution) -> dict[str, Any]:
    """The heatmap's figures, for the table printed after the chart: the grades (with the chart's
    abbreviations), the agencies, and per standard one list per agency of the count at each grade
    followed by the count of "not applicable"."""
    return {
        "grades": [
            {"label": grade.label, "abbr": abbr}
            for grade, abbr in zip(dist.grades, grade_abbreviations(dist.grades), strict=True)
        ],
        "agencies": [agency.name for agency in dist.agencies],
        "rows": [
            {
                "standard": f"{standard.code} {' '.join(standard.text.split())}".strip(),
                "cells": [[*cell.counts, cell.not_applicable] for cell in cells],
            }
            for standard, cells in dist.rows
        ],
    }


def has_part_a_grades(audit: Audit) -> bool:
    """Whether the heatmap annex has anything to show: an answer grade_distribution counts (a grade or
    "not applicable" given in a received return of an agency that took part, on a graded standard of
    the audit's tool). Without one its chart and table would be dashes only, and it is left out. One query."""
    return (
        Answer.objects.filter(
            part_a_return__audit=audit,
            part_a_return__status__in=RECEIVED_STATUSES,
            part_a_return__no_involvement=False,
            part_a_return__agency__in=audit.participants.values("agency"),
            standard__section__version_id=audit.tool_version_id,
            standard__answer_type=AnswerType.GRADE,
        )
        .filter(Q(grade__scale_id=F("standard__section__version__scale_id")) | Q(not_applicable=True))
        .exists()
    )


def is_printed(section: BriefingSection, edition: str, *, grades: bool) -> bool:
    """Whether the PDF prints this section of the draft, without building the content: build_content
    takes it (shown, and of the edition) and document_context keeps it (text that is more than blank
    lines and invisible characters, or a data section's figure or table; the heatmap only with
    `grades`, has_part_a_grades of the audit). The publish page lists these, and a draft with none of
    them is not published (services.sections_refusal)."""
    if section.hidden or not allowed_in(section.key, edition):
        return False
    if section.key == "heatmap":
        return grades
    return section.key in DATA_SECTIONS or bool(markup.parse(section.body))


def printed_sections(sections, edition: str, audit: Audit) -> list[BriefingSection]:
    """The sections of these the PDF prints (is_printed), asking whether the audit has Part A grades
    only when the heatmap is shown."""
    sections = list(sections)
    heatmap_shown = any(s.key == "heatmap" and not s.hidden and allowed_in(s.key, edition) for s in sections)
    grades = heatmap_shown and has_part_a_grades(audit)
    return [s for s in sections if is_printed(s, edition, grades=grades)]


def build_content(
    briefing: Briefing,
    *,
    data: AuditBriefingData | None = None,
    number: int | None = None,
    published_at: datetime | None = None,
    published_by: str = "",
) -> dict[str, Any]:
    audit = briefing.audit
    edition = briefing.edition
    sections = [s for s in briefing.sections.all() if not s.hidden and allowed_in(s.key, edition)]
    sections.sort(key=lambda s: (s.order, s.pk))
    keys = {s.key for s in sections}
    if data is None:
        data = audit_briefing_data(audit, with_cases="case_judgements" in keys)
    partnership = data.partnership
    content: dict[str, Any] = {
        "schema": CONTENT_SCHEMA,
        "edition": edition,
        "edition_label": str(Edition(edition).label),
        "title": briefing.title,
        "audience": briefing.audience,
        "partnership": {
            "name": partnership.name,
            "short_name": partnership.short_name,
            # Not a leaver's address (Partnership.contact_address): nobody is told to write to it.
            "contact_email": partnership.contact_address,
        },
        "audit": {
            "title": audit.title,
            "slug": audit.slug,
            "theme": audit.theme.name,
            "year": audit.year,
            "scope_question": " ".join(audit.scope_question.split()),
        },
        "facts": {
            "cases": data.cases_count,
            "agencies": len(data.agencies),
            "part_b_date": data.part_b_date.isoformat() if data.part_b_date else "",
        },
        "sections": [{"key": s.key, "heading": s.heading, "body": s.body} for s in sections],
        "heatmap_svg": "",
        "heatmap_table": None,
        "case_judgements": None,
        "version": number,
        "published_at": published_at.isoformat() if published_at else "",
        "published_by": published_by,
    }
    # With no Part A grades, the annex is left out (document_context drops it without its figure and table).
    if "heatmap" in keys and has_part_a_grades(audit):
        dist = grade_distribution(audit)
        content["heatmap_svg"] = str(render_heatmap_svg(dist))
        content["heatmap_table"] = heatmap_table(dist)
    if "case_judgements" in keys and edition == Edition.FULL_REPORT:
        content["case_judgements"] = {
            "stages": data.stages,
            "rows": [
                {
                    "reference": row.reference,
                    "stages": [list(grade) for grade in row.stage_grades],
                    "overall": list(row.overall),
                    "reasons": row.reasons,
                }
                for row in data.case_rows
            ],
        }
    return content


# What a version adds to the draft's content when it is published: not part of what was checked.
PUBLICATION_KEYS = ("version", "published_at", "published_by")


def content_fingerprint(content: dict[str, Any]) -> str:
    """What a preview showed, as 64 hex digits: the same whenever the same content is built again,
    different as soon as anything it shows (a section, the title, the audit's data) is."""
    shown = {key: value for key, value in content.items() if key not in PUBLICATION_KEYS}
    text = json.dumps(shown, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _svg_data_uri(svg: str) -> str:
    # The SVG goes in as an image, never as markup of the page: nothing in it can reach the
    # document (or, in the browser, run), and what it might try to fetch goes through the
    # renderer's url_fetcher like anything else.
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _svg_description(svg: str, *, with_table: bool) -> str:
    """The chart's own <desc> (audits.charts writes one), as the image's alternative text."""
    match = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    if not match:
        return ""
    text = " ".join(html.unescape(match.group(1)).split())
    if with_table:
        return text
    # A version published before the briefing printed the figures as a table has none to point to.
    return re.sub(r"\s*The same figures are in the table[^.]*\.", "", text)


def _heatmap_table_context(table: dict[str, Any] | None) -> dict[str, Any] | None:
    """The heatmap's figures as the document's table prints them: each cell the grades given, as
    "G 2, RI 1" (the key is in the caption; a grade no case was given is left out), or "–"."""
    if not table or not table.get("rows"):
        return None
    names = [grade["abbr"] for grade in table["grades"]] + [_("N/A")]
    rows = []
    for row in table["rows"]:
        cells = []
        for counts in row["cells"]:
            given = [f"{name}\N{NO-BREAK SPACE}{n}" for name, n in zip(names, counts, strict=True) if n]
            cells.append(", ".join(given) or "–")
        rows.append({"standard": row["standard"], "cells": cells})
    key = [f"{grade['abbr']} {grade['label']}" for grade in table["grades"]] + [_("N/A not applicable")]
    return {"agencies": table["agencies"], "rows": rows, "key": ", ".join(key)}


def document_context(content: dict[str, Any]) -> dict[str, Any]:
    published_at = parse_datetime(content["published_at"]) if content.get("published_at") else None
    if published_at is not None:
        published_at = timezone.localtime(published_at)
    part_b = content["facts"].get("part_b_date") or ""
    sections = []
    for section in content["sections"]:
        key = section["key"]
        item = {
            "key": key,
            "heading": section["heading"],
            "html": markup.render(section["body"]),
            "data": key in DATA_SECTIONS,
        }
        if key == "heatmap":
            svg = content.get("heatmap_svg") or ""
            item["figure"] = _svg_data_uri(svg) if svg else ""
            item["heatmap_table"] = _heatmap_table_context(content.get("heatmap_table"))
            item["figure_alt"] = _svg_description(svg, with_table=item["heatmap_table"] is not None)
        if key == "case_judgements":
            item["table"] = content.get("case_judgements")
        # A section with nothing to show is left out rather than printed as a bare heading; the heatmap's
        # text only introduces its chart and table, and is left out with them.
        if key == "heatmap" and not (item["figure"] or item["heatmap_table"]):
            continue
        if (
            item["html"]
            or item.get("figure")
            or item.get("heatmap_table")
            or (item.get("table") and item["table"]["rows"])
        ):
            sections.append(item)
    edition = content["edition"]
    return {
        "content": content,
        "edition": edition,
        "edition_label": content["edition_label"],
        "restricted": edition == Edition.FULL_REPORT,
        "doc_title": content["title"],
        "author": content["partnership"]["name"],
        "partnership_name": content["partnership"]["name"],
        "audience": content["audience"],
        "subtitle": content["audit"]["scope_question"],
        "theme": content["audit"]["theme"],
        "facts": {
            "cases": content["facts"]["cases"],
            "agencies": content["facts"]["agencies"],
            "part_b_date": date_format(datetime.fromisoformat(part_b).date(), "j F Y") if part_b else "",
        },
        "version": content.get("version"),
        "published_on": date_format(published_at, "j F Y") if published_at else "",
        "is_draft": content.get("version") is None,
        "sections": sections,
        "keywords": ", ".join([content["audit"]["theme"], _("multi-agency case file audit"), _("learning briefing")]),
    }
