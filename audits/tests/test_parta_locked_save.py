"""A save refused because the return was locked meanwhile (the audit moved on to Part B, or it was
submitted in another tab) shows what was sent, for the person to copy, on the read-only page."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus, PartAReturn, ReturnStatus
from audits.selectors.parta import evidence_field, grade_field, return_state

pytestmark = [pytest.mark.usefixtures("partnership")]


@pytest.mark.parametrize("action", ["return_detail", "return_submit"])
def test_the_read_only_page_shows_the_refused_text_to_copy(client_for, audit, ret, layout, action):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    # Saved before the QA manager moved the audit on …
    data = {"version": "0", evidence_field(s1.pk): "Saved before Part B.", grade_field(s2.pk): ""}
    assert client.post(reverse("audits:return_detail", args=[ret.pk]), data).status_code == 302
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    # … and typed after it.
    data.update(
        version="1",
        **{evidence_field(s2.pk): "Typed after Part B began.\nSecond line <kept>.", grade_field(s2.pk): ""},
        strengths="A strength, also typed late.",
    )
    response = client.post(reverse(f"audits:{action}", args=[ret.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Part A is not open for this audit" in html
    assert 'data-testid="unsaved-text"' in html and "Your unsaved text" in html
    assert f"{s2.code} — evidence" in html
    assert "Typed after Part B began.\nSecond line &lt;kept&gt;." in html  # as typed, escaped, lines kept
    assert "A strength, also typed late." in html
    # Only what differs from the saved return is listed (standard 1's text is saved already).
    panel = html[html.index('data-testid="unsaved-text"') : html.index("</section>", html.index("unsaved-text"))]
    assert "Saved before Part B." not in panel
    saved = PartAReturn.objects.get(pk=ret.pk)
    assert saved.version == 1 and saved.strengths == ""
    assert return_state(saved, layout)[evidence_field(s2.pk)] == ""


def test_a_submitted_return_shows_the_text_of_a_stale_tab(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED)
    response = client.post(
        reverse("audits:return_detail", args=[ret.pk]), {"version": "0", evidence_field(s1.pk): "From the old tab."}
    )
    assert response.status_code == 409
    assert "From the old tab." in response.content.decode()


def test_an_ordinary_read_only_page_has_no_such_panel(client_for, ret):
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED, strengths="Submitted text.")
    html = client_for("auditor").get(reverse("audits:return_detail", args=[ret.pk])).content.decode()
    assert 'data-testid="unsaved-text"' not in html
