"""Long texts in Part B (a finding's text, consensus reasons, a recommendation, evidence of impact, the
session's notes): no maxlength in the page, which would cut a long paste off without a word, but a
limit the server keeps, with the message next to the field and the whole text kept."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audits.models import (
    CaseJudgement,
    Finding,
    FindingKind,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    Section,
)
from audits.services.partb import finding_add
from audits.tests import long_text_support
from audits.tests.factories import RecommendationFactory
from audits.tests.long_text_support import line_counted_not_cut, text_input

pytestmark = pytest.mark.django_db

LIMIT = settings.PART_A_MAX_TEXT
TOO_LONG = "Long pasted text. " * (LIMIT // 18) + "x" * 60  # over the limit by a few dozen
MESSAGE = f"This text is {len(TOO_LONG)} characters long, over the limit of {LIMIT}"


def textarea(page: str, name: str) -> str:
    """The opening tag of the textarea named `name`."""
    return re.search(rf'<textarea name="{re.escape(name)}"[^>]*>', page)[0]


def counted_not_cut(page: str, name: str, limit: int = LIMIT) -> bool:
    tag = textarea(page, name)
    return " maxlength=" not in tag and f'data-maxlength="{limit}"' in tag and "data-count-over=" in tag


def test_a_long_finding_text_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, part_b):
    finding = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.KEY_MESSAGE, body="Short.")
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    client.force_login(qa_manager)
    page = client.get(url).content.decode()
    assert counted_not_cut(page, "body") and "js/partb.js" in page
    shown = re.search(r'name="shown" value="([^"]*)"', page)[1].replace("&quot;", '"')

    response = client.post(url, {"heading": "", "body": TOO_LONG, "shown": shown})
    page = response.content.decode()
    assert response.status_code == 400
    assert MESSAGE in page.split('id="id_body_error"')[1].split("</div>")[0]
    assert f">\n{TOO_LONG}</textarea>" in page
    assert Finding.objects.get(pk=finding.pk).body == "Short."
    # Each line break counts once, as the page's counter counts it: a text at the limit with CRLF
    # line breaks (as browsers post them) is saved.
    at_limit = ("a" * 99 + "\r\n") * (LIMIT // 100)
    assert client.post(url, {"heading": "", "body": at_limit, "shown": shown}).status_code == 302
    assert len(Finding.objects.get(pk=finding.pk).body) == LIMIT - 1  # the last line break stripped


def test_long_consensus_reasons_are_refused_on_the_board_and_kept_whole(client, qa_manager, part_b):
    case = part_b.cases.get(reference="Case 1")
    first = Section.objects.filter(version=part_b.tool_version).order_by("order").first()
    client.force_login(qa_manager)
    page = client.get(reverse("audits:evidence_board", args=[part_b.slug, case.pk])).content.decode()
    assert counted_not_cut(page, f"stage-{first.pk}-reasons") and counted_not_cut(page, "overall-reasons")

    grade = part_b.tool_version.scale.grades.order_by("rank").first()
    url = reverse("audits:judgement", args=[part_b.slug, case.pk])
    response = client.post(
        url, {"section": first.pk, f"stage-{first.pk}-grade": grade.pk, f"stage-{first.pk}-reasons": TOO_LONG}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert MESSAGE in page.split(f'id="stage-{first.pk}-unsaved"')[1].split("</p>")[0]
    assert f"{TOO_LONG}</textarea>" in page
    assert not CaseJudgement.objects.filter(case=case).exists()


def test_a_long_recommendation_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, part_b):
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[part_b.slug])
    assert counted_not_cut(client.get(url).content.decode(), "text")
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    response = client.post(url, {"text": TOO_LONG, "owner": "CSE group", "due_date": due})
    page = response.content.decode()
    assert response.status_code == 400
    assert MESSAGE in page.split('id="id_text_error"')[1].split("</div>")[0]
    assert f">\n{TOO_LONG}</textarea>" in page
    assert not Recommendation.objects.exists()


def test_long_evidence_of_impact_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b, status=RecommendationStatus.COMPLETE)
    client.force_login(qa_manager)
    p = f"rec-{rec.pk}"
    assert counted_not_cut(
        client.get(reverse("audits:recommendations", args=[part_b.slug])).content.decode(), f"{p}-impact_evidence"
    )
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    response = client.post(
        url, {f"{p}-to_status": "closed", f"{p}-impact_evidence": TOO_LONG, f"{p}-from_status": "complete"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert MESSAGE in page.split(f'id="id_{p}-impact_evidence_error"')[1].split("</div>")[0]
    assert f">\n{TOO_LONG}</textarea>" in page
    assert "<details open>" in page  # the status form stays open where the text is
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.COMPLETE, "")


def test_the_session_notes_are_counted_not_cut(client, qa_manager, part_b):
    client.force_login(qa_manager)
    page = client.get(reverse("audits:session", args=[part_b.slug])).content.decode()
    assert counted_not_cut(page, "notes", 10000) and counted_not_cut(page, "other_attendees", 4000)


# --- Lines of text (a heading, a venue, an owner…): counted and refused the same way ---------------

LONG_LINE = ("A heading pasted from the minutes, longer than it should be. " * 6).strip()


def line_message(limit: int, text: str = LONG_LINE) -> str:
    return long_text_support.line_message(limit, text)


def test_a_long_finding_heading_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, part_b):
    finding = finding_add(user=qa_manager, audit=part_b, kind=FindingKind.THEME, heading="Short", body="Text.")
    url = reverse("audits:finding_edit", args=[part_b.slug, finding.pk])
    client.force_login(qa_manager)
    page = client.get(url).content.decode()
    assert line_counted_not_cut(page, "heading", 300) and line_counted_not_cut(page, "new_risk_factor", 160)
    shown = re.search(r'name="shown" value="([^"]*)"', page)[1].replace("&quot;", '"')

    response = client.post(url, {"heading": LONG_LINE, "body": "Text.", "new_risk_factor": LONG_LINE, "shown": shown})
    page = response.content.decode()
    assert response.status_code == 400
    assert line_message(300) in page.split('id="id_heading_error"')[1].split("</div>")[0]
    assert line_message(160) in page.split('id="id_new_risk_factor_error"')[1].split("</div>")[0]
    assert f'value="{LONG_LINE}"' in text_input(page, "heading")
    assert f'value="{LONG_LINE}"' in text_input(page, "new_risk_factor")
    finding.refresh_from_db()
    assert finding.heading == "Short"
    assert not finding.risk_factors.exists()


def test_a_long_venue_or_chair_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, part_b):
    url = reverse("audits:session", args=[part_b.slug])
    client.force_login(qa_manager)
    page = client.get(url).content.decode()
    assert line_counted_not_cut(page, "venue", 200) and line_counted_not_cut(page, "chair", 200)

    response = client.post(url, {"date": "2027-01-20", "venue": LONG_LINE, "chair": LONG_LINE})
    page = response.content.decode()
    assert response.status_code == 400
    assert line_message(200) in page.split('id="id_venue_error"')[1].split("</div>")[0]
    # The chair keeps its own words (test_partb_session.py).
    assert f"at most 200 characters (this is {len(LONG_LINE)})" in page.split('id="id_chair_error"')[1]
    assert f'value="{LONG_LINE}"' in text_input(page, "venue") and f'value="{LONG_LINE}"' in text_input(page, "chair")
    assert not PartBSession.objects.filter(audit=part_b).exists()


def test_a_long_recommendation_owner_is_refused_next_to_the_field_and_kept_whole(client, qa_manager, part_b):
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[part_b.slug])
    assert line_counted_not_cut(client.get(url).content.decode(), "owner", 200)
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    response = client.post(url, {"text": "Train the staff.", "owner": LONG_LINE, "due_date": due})
    page = response.content.decode()
    assert response.status_code == 400
    assert line_message(200) in page.split('id="id_owner_error"')[1].split("</div>")[0]
    assert f'value="{LONG_LINE}"' in text_input(page, "owner")
    assert not Recommendation.objects.exists()
