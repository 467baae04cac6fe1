"""Part A pages through the test client: My returns, the form, autosave, submission, review, history, chase."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import AccessAction, AccessRecord, SupportContact
from audits.models import Answer, PartAReturn, ReminderLog, ReturnStatus, Standard
from audits.selectors.parta import evidence_field, grade_field, return_state, tool_layout
from audits.tests.factories import (
    AuditAgencyFactory,
    AuditFactory,
    CaseFactory,
    make_returns,
    make_scale,
    make_tool_version,
)

pytestmark = [pytest.mark.usefixtures("partnership")]


def url(name: str, ret) -> str:
    return reverse(f"audits:{name}", args=[ret.pk])


def post_json(client, ret, payload, name="return_autosave"):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url(name, ret), body, content_type="application/json")


def form_data(layout, version: int, **overrides) -> dict:
    """The whole form as a browser posts it: every standard graded Good with evidence."""
    good = layout.grades[1]
    data = {"version": str(version), "overall_grade": str(good.pk), "strengths": "", "improvements": ""}
    for standard in layout.standards:
        data[grade_field(standard.pk)] = str(good.pk)
        data[evidence_field(standard.pk)] = f"Evidence for {standard.code}."
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reload(ret) -> PartAReturn:
    return PartAReturn.objects.get(pk=ret.pk)


# --- My returns -------------------------------------------------------------------------------------


def test_my_returns_lists_the_agencys_cases_with_status_due_and_progress(client_for, audit, auditor, ret, layout):
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save()
    s1 = layout.standards[0]
    Answer.objects.create(part_a_return=ret, standard=s1, grade=layout.grades[0], evidence="x")
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.DRAFT)
    response = client_for("auditor").get(reverse("audits:my_returns"))
    html = response.content.decode()
    assert response.status_code == 200
    rows = [r for r in response.context["groups"][0][1]]
    assert [r.case.reference for r in rows] == ["Case 1", "Case 2"]
    assert all(r.agency_id == auditor.agency_id for r in rows)
    assert (rows[0].standards_answered, rows[0].standards_total) == (1, 10)
    assert "1 of 10 standards" in html and "0 of 10 standards" in html
    assert "Draft" in html and "Not started" in html
    assert html.count(">Overdue<") == 2  # in words, not only colour


def test_no_involvement_and_submitted_returns_are_not_overdue(client_for, audit, ret):
    audit.part_a_due = timezone.localdate() - timedelta(days=1)
    audit.save()
    PartAReturn.objects.filter(pk=ret.pk).update(status=ReturnStatus.SUBMITTED, no_involvement=True)
    html = client_for("auditor").get(reverse("audits:my_returns")).content.decode()
    assert "No involvement" in html
    assert html.count(">Overdue<") == 1


def test_my_returns_shows_nothing_of_other_agencies(client_for, audit):
    response = client_for("other_auditor").get(reverse("audits:my_returns"))
    assert {r.agency.short_name for _, rows in response.context["groups"] for r in rows} == {"CSW"}
    assert client_for("colleague").get(reverse("audits:my_returns")).context["groups"] == []


# user with their agency, the returns of the audits in Part A with their audit, case, agency and
# progress (one query), the audits past Part A with their returns counted by status (one grouped
# query). The session and the partnership settings come from the cache (cached_db, django-solo);
# the session is saved at most once a minute (agencies.middleware.SessionLimitsMiddleware); no
# navigation query (assignments kept in it).
MY_RETURNS_QUERIES = 3


def check_my_returns_queries(client, n_cases: int, auditor, agency, assert_num_queries) -> None:
    audit = AuditFactory()
    AuditAgencyFactory(audit=audit, agency=agency, auditor=auditor)
    for n in range(n_cases):
        CaseFactory(audit=audit, reference=f"Case {n + 1}")
    make_returns(audit)
    with assert_num_queries(MY_RETURNS_QUERIES):
        response = client.get(reverse("audits:my_returns"))
    assert response.status_code == 200
    assert sum(len(rows) for _, rows in response.context["groups"]) == n_cases


def test_my_returns_summarises_audits_past_part_a(client_for, audit, auditor, ret):
    from audits.models import AuditStatus

    past = AuditFactory(title="Neglect audit 2025", status=AuditStatus.CLOSED)
    AuditAgencyFactory(audit=past, agency=auditor.agency, auditor=auditor)
    for n in range(3):
        CaseFactory(audit=past, reference=f"Past case {n + 1}")
    past_returns = make_returns(past)
    mine = [r for r in past_returns if r.agency_id == auditor.agency_id]
    PartAReturn.objects.filter(pk=mine[0].pk).update(status=ReturnStatus.ACCEPTED, no_involvement=True)
    PartAReturn.objects.filter(pk__in=[r.pk for r in mine[1:]]).update(status=ReturnStatus.SUBMITTED)
    client = client_for("auditor")
    response = client.get(reverse("audits:my_returns"))
    html = response.content.decode()
    # The open audit in full, the closed one as one summary row.
    assert [a.pk for a, _rows in response.context["groups"]] == [audit.pk]
    assert "Past case 1" not in html
    [summary] = response.context["past"]
    assert (summary.audit_id, summary.title, summary.total) == (past.pk, "Neglect audit 2025", 3)
    assert summary.counts == [("Submitted", 2), ("Accepted", 1)] and summary.no_involvement == 1
    row = html[html.index(f'data-testid="past-audit-{past.pk}"') :][:900]
    assert "3: 2 submitted, 1 accepted (1 no involvement)" in row
    # Its link lists that audit's returns in full, and only the user's agency's.
    listed = client.get(reverse("audits:my_returns"), {"audit": past.pk})
    assert [r.case.reference for _a, rows in listed.context["groups"] for r in rows] == [
        "Past case 1",
        "Past case 2",
        "Past case 3",
    ]
    assert listed.context["past"] == []
    # Another agency's auditor sees neither the summary nor the list.
    other = client_for("other_auditor")
    assert past.pk not in [p.audit_id for p in other.get(reverse("audits:my_returns")).context["past"]]
    assert other.get(reverse("audits:my_returns"), {"audit": past.pk}).context["groups"] == []


def test_my_returns_lists_past_audits_ten_at_a_time_newest_first(client_for, audit, auditor):
    from audits.models import AuditStatus
    from audits.views.parta import PAST_AUDITS_PER_PAGE

    past = []
    for n in range(PAST_AUDITS_PER_PAGE + 3):
        closed = AuditFactory(title=f"Closed audit {n:02d}", status=AuditStatus.CLOSED)
        AuditAgencyFactory(audit=closed, agency=auditor.agency, auditor=auditor)
        CaseFactory(audit=closed)
        make_returns(closed)
        past.append(closed)
    newest_first = [a.pk for a in reversed(past)]
    client = client_for("auditor")
    first = client.get(reverse("audits:my_returns"))
    assert [p.audit_id for p in first.context["past"]] == newest_first[:PAST_AUDITS_PER_PAGE]
    html = first.content.decode()
    assert f"1–{PAST_AUDITS_PER_PAGE} of {len(past)}" in html and "?past=2#past-audits-heading" in html
    second = client.get(reverse("audits:my_returns"), {"past": 2})
    assert [p.audit_id for p in second.context["past"]] == newest_first[PAST_AUDITS_PER_PAGE:]
    assert "Newer audits" in second.content.decode()
    # A page past the end shows the last one; nonsense shows the first.
    assert client.get(reverse("audits:my_returns"), {"past": 99}).context["past"] == second.context["past"]
    assert client.get(reverse("audits:my_returns"), {"past": "x"}).context["past"] == first.context["past"]


def test_my_returns_query_count_does_not_grow_with_returns(client, django_assert_num_queries):
    from agencies.tests.factories import AgencyFactory, UserFactory

    agency = AgencyFactory(name="Police")
    small_user, large_user = UserFactory(agency=agency), UserFactory(agency=agency)
    client.force_login(small_user)
    check_my_returns_queries(client, 2, small_user, agency, django_assert_num_queries)
    client.force_login(large_user)
    check_my_returns_queries(client, 20, large_user, agency, django_assert_num_queries)


# --- The form ------------------------------------------------------------------------------------------


def test_the_form_is_generated_from_the_returns_tool_version(client_for, ret, layout):
    response = client_for("auditor").get(url("return_detail", ret))
    html = response.content.decode()
    assert response.status_code == 200
    for standard in layout.standards:
        assert standard.text in html
        assert f'name="{grade_field(standard.pk)}"' in html
        assert f'name="{evidence_field(standard.pk)}"' in html
    for grade in layout.grades:
        assert f">{grade.label}</option>" in html
    assert ">Not applicable</option>" in html
    assert 'name="no_involvement"' in html and 'name="overall_grade"' in html
    assert 'name="version" value="0"' in html
    assert "js/parta.js" in html
    assert 'aria-live="polite"' in html


# The first view of a tool version: user with their agency, the return (one joined query, which
# also answers is-the-named-auditor), the tool's standards with their sections, the scale's grades
# (these two then kept by the process: selectors.parta.used_tool_layout), the risk factor
# taxonomy, the VIEW access record, the answers, the return's risk factors. The session and the
# partnership settings come from the cache.
FORM_QUERIES = 8


def check_form_queries(client, standards: int, sections: int, auditor, agency, assert_num_queries) -> None:
    audit = AuditFactory(tool_version=make_tool_version(standards=standards, sections=sections))
    AuditAgencyFactory(audit=audit, agency=agency, auditor=auditor)
    CaseFactory(audit=audit)
    [ret] = make_returns(audit)
    layout = tool_layout(audit.tool_version)
    for standard in layout.standards[::2]:  # half of them answered
        Answer.objects.create(part_a_return=ret, standard=standard, grade=layout.grades[0], evidence="Seen.")
    with assert_num_queries(FORM_QUERIES):
        response = client.get(url("return_detail", ret))
    assert response.status_code == 200
    assert response.content.decode().count('class="standard"') == standards
    # The version is in use, so its standards (with sections) and grades are now kept by this process:
    # the next view reads only the risk factors of the layout.
    with assert_num_queries(FORM_QUERIES - 2):
        again = client.get(url("return_detail", ret))
    assert again.content.decode().count('class="standard"') == standards


def test_a_used_tool_versions_layout_is_kept_but_the_risk_factors_are_read_each_time(audit, django_assert_num_queries):
    from audits.models import RiskFactor
    from audits.selectors import parta as selectors

    version = audit.tool_version
    selectors._layout_cache.clear()
    with django_assert_num_queries(3):  # standards with sections, grades, risk factors
        first = selectors.used_tool_layout(version)
        assert first.risk_factors is not None
    RiskFactor.objects.create(name="Added since", slug="added-since")
    with django_assert_num_queries(1):  # risk factors only (read when asked for)
        second = selectors.used_tool_layout(version)
        assert second.risk_factors
    assert (
        [s.pk for s in second.standards]
        == [s.pk for s in first.standards]
        == [s.pk for s in tool_layout(version).standards]
    )
    assert "Added since" in [rf.name for rf in second.risk_factors]
    # An entry is not used after LAYOUT_CACHE_SECONDS.
    key = next(iter(selectors._layout_cache))
    stamp, parts = selectors._layout_cache[key]
    selectors._layout_cache[key] = (stamp - selectors.LAYOUT_CACHE_SECONDS - 1, parts)
    with django_assert_num_queries(2):
        selectors.used_tool_layout(version)


def test_the_form_escapes_what_was_typed_and_the_error_messages(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    typed = '<script>alert("x")</script> & "quotes"'
    assert post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): typed, "strengths": typed}}).json()[
        "ok"
    ]
    html = client.get(url("return_detail", ret)).content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;</textarea>") == 2
    # An invalid grade: the box is marked, the message is next to it and named by aria-describedby.
    response = client.post(url("return_detail", ret), {"version": "1", grade_field(s1.pk): "<b>9</b>"})
    html = response.content.decode()
    assert response.status_code == 200  # the form again, the rest saved and the grade refused
    field_id = f"id_{grade_field(s1.pk)}"
    assert f'class="select form-select is-invalid" aria-invalid="true" aria-describedby="{field_id}_error"' in html
    assert f'<div id="{field_id}_error" class="invalid-feedback"><span id="error_1_{field_id}"><strong>' in html
    assert "<b>9</b>" not in html


def test_the_tools_own_text_and_the_warnings_are_escaped_too(client_for, ret, layout):
    """The standards' fieldsets are built in Python (audits.templatetags.parta_form): the tool's
    code, text and guidance (written by the QA manager) are escaped there, and the warnings shown."""
    s1 = layout.standards[0]
    Standard.objects.filter(pk=s1.pk).update(
        code="<i>R1</i>", text='Shared "at once" & <b>fully</b>', guidance="Line <one>\nLine two"
    )
    client = client_for("auditor")
    post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "Mobile 07700 900123"}})

    html = client.get(url("return_detail", ret)).content.decode()

    assert (
        '<span class="standard-code">&lt;i&gt;R1&lt;/i&gt;</span> Shared &quot;at once&quot; &amp; &lt;b&gt;fully'
        in html
    )
    assert '<p class="mb-0">Line &lt;one&gt;<br>Line two</p>' in html
    box = html[html.index(f'data-warnings-for="{evidence_field(s1.pk)}"') :][:400]
    assert '<p class="identifier-warning"><span class="visually-hidden">Warning: </span>“07700 900123”' in box


def test_form_query_count_is_the_same_for_10_and_60_standards(client, django_assert_num_queries):
    from agencies.tests.factories import AgencyFactory, UserFactory

    agency = AgencyFactory(name="Police")
    make_scale()
    user = UserFactory(agency=agency)
    client.force_login(user)
    check_form_queries(client, 10, 5, user, agency, django_assert_num_queries)
    check_form_queries(client, 60, 6, user, agency, django_assert_num_queries)


def test_save_draft_without_javascript(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    response = client.post(
        url("return_detail", ret), {"version": "0", evidence_field(s1.pk): "Seen the same day.", "strengths": "Swift."}
    )
    assert response.status_code == 302 and response.url == url("return_detail", ret)
    saved = reload(ret)
    assert saved.status == ReturnStatus.DRAFT and saved.version == 1
    assert return_state(saved, layout)[evidence_field(s1.pk)] == "Seen the same day."
    page = client.get(url("return_detail", ret)).content.decode()
    assert "Seen the same day." in page and "Draft saved at" in page


def test_form_post_with_crlf_line_breaks_is_stored_as_typed_lines(client_for, ret, layout):
    client_for("auditor").post(url("return_detail", ret), {"version": "0", "strengths": "One\r\nTwo"})
    assert reload(ret).strengths == "One\nTwo"


def test_a_bad_version_is_400_and_changes_nothing(client_for, ret):
    response = client_for("auditor").post(url("return_detail", ret), {"version": "abc", "strengths": "Kept?"})
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert reload(ret).version == 0 and reload(ret).status == ReturnStatus.NOT_STARTED


@pytest.mark.parametrize(
    "overrides,name",
    [
        ({"overall_grade": "999999"}, "overall_grade"),
        ({"strengths": "x" * 10_001}, "strengths"),
        ({"risk_factors": "424242"}, "risk_factors"),
    ],
    ids=["grade-not-in-scale", "oversized-text", "unknown-risk-factor"],
)
def test_a_bad_answer_is_refused_on_its_own_and_the_rest_is_saved(client_for, ret, overrides, name):
    """The answer that cannot be saved is shown again with its problem; the others are not held back."""
    data = {"version": "0", "improvements": "Saved all the same.", **overrides}
    response = client_for("auditor").post(url("return_detail", ret), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your other answers were saved at" in html and "could not be saved" in html
    assert 'data-testid="error-summary"' in html and f'href="#id_{name}' in html
    saved = reload(ret)
    assert saved.improvements == "Saved all the same." and saved.status == ReturnStatus.DRAFT
    assert saved.overall_grade_id is None and saved.strengths == "" and not saved.risk_factors.exists()


def test_stale_form_post_gets_the_conflict_page_with_both_texts(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "Saved in the other tab"}})
    response = client.post(url("return_detail", ret), {"version": "0", evidence_field(s1.pk): "Typed here"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Saved in the other tab" in html and "Typed here" in html
    assert 'name="version" value="1"' in html  # the merge form is based on the saved version
    assert f'data-conflict-for="{evidence_field(s1.pk)}"' in html
    assert return_state(reload(ret), layout)[evidence_field(s1.pk)] == "Saved in the other tab"
    # Saving the merge works.
    merged = client.post(url("return_detail", ret), {"version": "1", evidence_field(s1.pk): "Both texts"})
    assert merged.status_code == 302
    assert return_state(reload(ret), layout)[evidence_field(s1.pk)] == "Both texts"


def test_a_form_post_on_the_version_a_conflict_began_on_is_refused_after_later_autosaves(client_for, ret, layout):
    """What parta.js relies on while a conflict is open: it keeps the form's version where the conflicting
    text was written and autosaves the other answers on the newer versions. The whole form posted then is
    refused as a conflict on that field alone (the answers it autosaved meanwhile are no conflict)."""
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "Saved in the other tab"}})
    assert post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "Typed here"}}).status_code == 409
    assert (
        post_json(client, ret, {"version": 1, "fields": {evidence_field(s2.pk): "Autosaved here"}}).status_code == 200
    )
    data = {"version": "0", evidence_field(s1.pk): "Typed here", evidence_field(s2.pk): "Autosaved here"}
    response = client.post(url("return_detail", ret), data)
    assert response.status_code == 409
    assert [c.name for c in response.context["conflicts"]] == [evidence_field(s1.pk)]
    state = return_state(reload(ret), layout)
    assert state[evidence_field(s1.pk)] == "Saved in the other tab" and reload(ret).version == 2


def test_identifier_warnings_are_shown_next_to_the_field(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    client.post(url("return_detail", ret), {"version": "0", evidence_field(s1.pk): "Mum's mobile 07700 900123"})
    html = client.get(url("return_detail", ret)).content.decode()
    box = html[html.index(f'data-warnings-for="{evidence_field(s1.pk)}"') :][:600]
    assert "07700 900123" in box and "phone number" in box
    assert f'aria-describedby="warnings-{evidence_field(s1.pk)}"' in html


def test_the_partnerships_published_numbers_and_addresses_are_not_flagged(client_for, ret, layout, partnership):
    SupportContact.objects.create(
        partnership=partnership, name="MASH", phone="01273 290400", email="mash@example.org", description=""
    )
    s1 = layout.standards[0]
    client = client_for("auditor")
    text = "Referred to the MASH on 01273 290400 (mash@example.org); mum's mobile 07700 900123."
    with CaptureQueriesContext(connection) as queries:
        client.post(url("return_detail", ret), {"version": "0", evidence_field(s1.pk): text})
    # Read once for the whole save (its warnings and its check of what changed), not once a check.
    assert sum("agencies_supportcontact" in q["sql"] for q in queries.captured_queries) == 1
    html = client.get(url("return_detail", ret)).content.decode()
    box = html[html.index(f'data-warnings-for="{evidence_field(s1.pk)}"') :][:600]
    assert "07700 900123" in box
    assert "01273 290400" not in box and "mash@example.org" not in box


# --- Submit ---------------------------------------------------------------------------------------------


def test_incomplete_submit_saves_the_draft_and_shows_errors_by_the_fields(client_for, ret, layout):
    s1, s2 = layout.standards[:2]
    data = form_data(layout, 0, **{evidence_field(s1.pk): "", grade_field(s2.pk): ""})
    client = client_for("auditor")
    response = client.post(url("return_submit", ret), data)
    # Post/Redirect/Get: the return's page lists what stops the submission, so reloading it posts nothing.
    assert response.status_code == 302 and response.url == url("return_detail", ret)
    assert reload(ret).status == ReturnStatus.DRAFT  # saved, not submitted
    for visit in ("after the redirect", "reloaded"):
        page = client.get(response.url)
        html = page.content.decode()
        assert page.status_code == 200, visit
        assert ("saved as a draft at" in html) == (visit == "after the redirect")  # the message is said once
        assert "Give the evidence for this grade." in html, visit
        assert "Choose a grade, or Not applicable." in html, visit
        assert f'href="#id_{evidence_field(s1.pk)}"' in html, visit  # the summary links to the field
        assert 'name="version" value="1"' in html, visit
        assert 'data-testid="conflict-summary"' not in html, visit
    assert reload(ret).version == 1


def test_what_stops_a_submission_is_checked_again_on_each_visit_until_nothing_does(client_for, ret, layout):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    data = form_data(layout, 0, **{evidence_field(s1.pk): "", grade_field(s2.pk): ""})
    assert client.post(url("return_submit", ret), data).status_code == 302
    post_json(client, ret, {"version": 1, "fields": {evidence_field(s1.pk): "Added after the submission."}})
    html = client.get(url("return_detail", ret)).content.decode()
    assert "Give the evidence for this grade." not in html and "Choose a grade, or Not applicable." in html
    good = str(layout.grades[1].pk)
    post_json(client, ret, {"version": 2, "fields": {grade_field(s2.pk): good}})
    html = client.get(url("return_detail", ret)).content.decode()
    assert 'data-testid="error-summary"' not in html and "is-invalid" not in html
    # Another return's page is not concerned; nor is this one's once nothing stops it.
    post_json(client, ret, {"version": 3, "fields": {evidence_field(s2.pk): ""}})
    html = client.get(url("return_detail", ret)).content.decode()
    assert 'data-testid="error-summary"' not in html


def test_get_on_the_submit_address_submits_nothing_and_goes_to_the_return(client_for, ret, layout):
    """Where signing in again sends someone whose session ended as they submitted (next=…/submit/)."""
    client = client_for("auditor")
    client.post(url("return_detail", ret), form_data(layout, 0))
    response = client.get(url("return_submit", ret))
    assert response.status_code == 302 and response.url == url("return_detail", ret)
    html = client.get(response.url).content.decode()
    assert "Your return has not been submitted." in html and "<textarea" in html
    assert reload(ret).status == ReturnStatus.DRAFT and reload(ret).version == 1
    # A reviewer is sent to the return too, without the auditor's message.
    qa = client_for("qa_manager")
    response = qa.get(url("return_submit", ret))
    assert response.status_code == 302 and response.url == url("return_detail", ret)
    assert "has not been submitted" not in qa.get(response.url).content.decode()


def test_submit_then_read_only(client_for, ret, layout):
    client = client_for("auditor")
    response = client.post(url("return_submit", ret), form_data(layout, 0))
    assert response.status_code == 302
    assert reload(ret).status == ReturnStatus.SUBMITTED
    page = client.get(url("return_detail", ret))
    html = page.content.decode()
    assert page.templates[0].name == "audits/parta/detail.html"
    assert "read-only" in html and "<textarea" not in html
    # And every endpoint refuses a change.
    assert client.post(url("return_detail", ret), form_data(layout, 1)).status_code == 409
    assert client.post(url("return_submit", ret), form_data(layout, 1)).status_code == 409
    assert post_json(client, ret, {"version": 1, "fields": {"strengths": "late"}}).status_code == 409
    assert reload(ret).strengths == "" and reload(ret).version == 1


# user (the session comes from the cache), the return (with is-the-named-auditor) (the tool's standards and grades are kept after
# the first request; the risk factor taxonomy is read only when risk factors are sent), savepoint, the claim (UPDATE … WHERE version = n), the answers,
# the return's risk factors, the answers' UPDATE and history INSERT, the return's UPDATE and history INSERT,
# simple-history reading updated_at back and the risk factors for the history row, the access record, release.
AUTOSAVE_QUERIES = 14


def test_autosave_query_count(client_for, ret, layout, django_assert_num_queries):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    assert post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "First."}}).status_code == 200
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        response = post_json(client, ret, {"version": 1, "fields": {evidence_field(s2.pk): "Second."}})
    assert response.status_code == 200 and response.json()["version"] == 2


def test_autosave_warns_about_the_fields_it_was_sent_only(client_for, ret, layout):
    s1, s2 = layout.standards[:2]
    client = client_for("auditor")
    first = post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "Lives at BN1 1AA"}}).json()
    assert list(first["warnings"]) == [evidence_field(s1.pk)]
    # The next save of another field does not repeat it (the page still shows it next to its box) …
    second = post_json(client, ret, {"version": 1, "fields": {evidence_field(s2.pk): "Seen."}}).json()
    assert second["ok"] and second["warnings"] == {}
    # … and submitting still needs the confirmation, whichever save wrote the text.
    response = client.post(
        url("return_submit", ret), form_data(layout, 2, **{evidence_field(s1.pk): None}), follow=True
    )
    assert response.status_code == 200 and reload(ret).status == ReturnStatus.DRAFT
    assert "confirm they are not information about the child" in response.content.decode()


def test_autosave_on_a_return_loaded_at_an_older_version_reads_it_again(client_for, ret, layout, auditor):
    """The service re-reads the return when the instance it is given is not at the claimed version."""
    from audits.services.parta import return_autosave

    s1 = layout.standards[0]
    client = client_for("auditor")
    assert post_json(client, ret, {"version": 0, "fields": {"strengths": "Saved by the browser."}}).status_code == 200
    outcome = return_autosave(  # `ret` is still the instance read at version 0
        user=auditor, ret=ret, layout=layout, based_on_version=1, changes={evidence_field(s1.pk): "Seen."}
    )
    assert outcome.version == 2
    saved = reload(ret)
    assert saved.strengths == "Saved by the browser." and saved.version == 2
    assert return_state(saved, layout)[evidence_field(s1.pk)] == "Seen."


def test_submission_with_identifiers_needs_confirmation(client_for, ret, layout):
    s1 = layout.standards[0]
    data = form_data(layout, 0, **{evidence_field(s1.pk): "Lives at BN1 1AA"})
    client = client_for("auditor")
    response = client.post(url("return_submit", ret), data, follow=True)
    assert response.status_code == 200 and reload(ret).status == ReturnStatus.DRAFT
    assert "confirm they are not information about the child" in response.content.decode()
    data.update(version="1", identifiers_confirmed="on")
    assert client.post(url("return_submit", ret), data).status_code == 302
    assert reload(ret).status == ReturnStatus.SUBMITTED
    assert return_state(reload(ret), layout)[evidence_field(s1.pk)] == "Lives at BN1 1AA"


def test_no_involvement_submission(client_for, ret):
    client = client_for("auditor")
    response = client.post(url("return_submit", ret), {"version": "0", "no_involvement": "on"}, follow=True)
    assert "Give the reason your agency had no involvement" in response.content.decode()
    response = client.post(
        url("return_submit", ret), {"version": "1", "no_involvement": "on", "no_involvement_reason": "Not known."}
    )
    assert response.status_code == 302
    assert reload(ret).display_status == "No involvement"


# --- Autosave --------------------------------------------------------------------------------------------


def test_autosave_saves_and_answers_with_version_time_warnings_and_progress(client_for, ret, layout):
    s1 = layout.standards[0]
    response = post_json(
        client_for("auditor"),
        ret,
        {
            "version": 0,
            "fields": {grade_field(s1.pk): str(layout.grades[0].pk), evidence_field(s1.pk): "DOB 01/02/2001"},
        },
    )
    data = response.json()
    assert response.status_code == 200 and data["ok"]
    assert data["version"] == 1 and data["status"] == "draft"
    assert data["progress"] == {"answered": 1, "total": 10}
    assert list(data["warnings"]) == [evidence_field(s1.pk)]
    assert data["saved_at_display"]


def other_scale_grade():
    other = make_scale("Three-point scale")
    return other.grades.first()


@pytest.mark.parametrize(
    "payload,message",
    [
        ("not json", "not valid JSON"),
        ([], "must be a JSON object"),
        ({"fields": {"strengths": "x"}}, "version"),
        ({"version": "0", "fields": {"strengths": "x"}}, "version"),
        ({"version": 0, "fields": {}}, "at least one field"),
        ({"version": 0, "fields": {"s999999-grade": "1"}}, "Unknown fields"),
        ({"version": 0, "fields": {"name_of_child": "x"}}, "Unknown fields"),
        ({"version": 0, "fields": {"strengths": "x" * 10_001}}, "over the limit of 10000"),
        ({"version": 0, "fields": {"strengths": 42}}, "must be text"),
        ({"version": 0, "fields": {"no_involvement": "yes"}}, "true or false"),
        ({"version": 0, "fields": {"risk_factors": "1"}}, "list"),
        ({"version": 0, "fields": {"overall_grade": "999999"}}, "scale"),
        ({"version": 0, "fields": {"strengths": "x"}, "extra": 1}, "Unknown keys"),
    ],
)
def test_bad_autosave_input_is_400_with_a_message_and_changes_nothing(client_for, ret, payload, message):
    response = post_json(client_for("auditor"), ret, payload)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert reload(ret).version == 0 and reload(ret).strengths == ""


def test_autosave_refuses_a_grade_from_another_scale_and_a_standard_of_another_version(client_for, ret, layout):
    grade = other_scale_grade()
    s1 = layout.standards[0]
    response = post_json(client_for("auditor"), ret, {"version": 0, "fields": {grade_field(s1.pk): str(grade.pk)}})
    assert response.status_code == 400 and "scale" in response.json()["message"]
    other_version = make_tool_version(standards=1, sections=1)
    foreign = other_version.sections.get().standards.get()
    response = post_json(client_for("auditor"), ret, {"version": 0, "fields": {evidence_field(foreign.pk): "x"}})
    # As a page opened before the audit's tool was changed sends it: refused, saying so (test_parta_tool_changed).
    assert response.status_code == 409 and response.json()["error"] == "tool_changed"
    assert not Answer.objects.exists()


def test_autosave_conflict_is_409_with_both_values(client_for, ret, layout):
    s1 = layout.standards[0]
    client = client_for("auditor")
    assert post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "First tab"}}).status_code == 200
    response = post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "Second tab"}})
    data = response.json()
    assert response.status_code == 409 and data["error"] == "conflict"
    assert data["version"] == 1
    assert data["conflicts"][0]["theirs"] == "First tab" and data["conflicts"][0]["yours"] == "Second tab"
    assert data["theirs"][evidence_field(s1.pk)] == "First tab"


def test_autosave_forged_version_is_409(client_for, ret):
    response = post_json(client_for("auditor"), ret, {"version": 7, "fields": {"strengths": "x"}})
    assert response.status_code == 409 and reload(ret).strengths == ""


def test_autosave_on_another_agencys_return_is_404(client_for, audit, other_auditor):
    theirs = PartAReturn.objects.get(audit=audit, agency=other_auditor.agency, case__reference="Case 1")
    response = post_json(client_for("auditor"), theirs, {"version": 0, "fields": {"strengths": "x"}})
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert AccessRecord.objects.filter(action=AccessAction.REFUSED, object_id=str(theirs.pk)).exists()
    assert reload(theirs).strengths == ""


def test_autosave_signed_out_is_401_json(client, ret):
    response = post_json(client, ret, {"version": 0, "fields": {"strengths": "x"}})
    assert response.status_code == 401
    assert response.json()["error"] == "signed_out" and response.json()["login_url"] == reverse("login")


def test_autosave_get_is_not_allowed(client_for, ret):
    assert client_for("auditor").get(url("return_autosave", ret)).status_code == 405


# --- Review ------------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(client_for, ret, layout):
    assert client_for("auditor").post(url("return_submit", ret), form_data(layout, 0)).status_code == 302
    return reload(ret)


def review(client, ret, action, **data):
    return client.post(url("return_review", ret), {"action": action, "version": str(reload(ret).version), **data})


def test_review_round_trip(client_for, submitted, layout, django_capture_on_commit_callbacks):
    qa = client_for("qa_manager")
    page = qa.get(url("return_review", submitted)).content.decode()
    assert "Return for amendment" in page and "Accept return" in page
    assert review(qa, submitted, "send_back").status_code == 400  # a comment is required
    with django_capture_on_commit_callbacks(execute=True):
        response = review(qa, submitted, "send_back", comment="Please add the strategy meeting.")
    assert response.status_code == 302 and reload(submitted).status == ReturnStatus.RETURNED
    assert "Please add the strategy meeting." not in mail.outbox[0].body  # read on the return, not e-mailed
    auditor = client_for("auditor")
    form_page = auditor.get(url("return_detail", submitted)).content.decode()
    assert "Please add the strategy meeting." in form_page and "<textarea" in form_page
    version = reload(submitted).version
    assert (
        auditor.post(url("return_submit", submitted), form_data(layout, version, strengths="Amended")).status_code
        == 302
    )
    lead = client_for("lead_officer")
    assert review(lead, submitted, "accept").status_code == 302
    assert reload(submitted).status == ReturnStatus.ACCEPTED
    assert review(lead, submitted, "unlock", comment="Needs a fix").status_code == 403
    qa = client_for("qa_manager")  # the cast shares one test client: sign the QA manager in again
    assert review(qa, submitted, "unlock", comment="").status_code == 400
    assert review(qa, submitted, "unlock", comment="Graded the wrong case").status_code == 302
    assert reload(submitted).status == ReturnStatus.RETURNED


def test_review_on_a_stale_version_is_refused(client_for, submitted):
    response = client_for("qa_manager").post(url("return_review", submitted), {"action": "accept", "version": "0"})
    assert response.status_code == 409 and reload(submitted).status == ReturnStatus.SUBMITTED


def textarea(html: str, element_id: str) -> str:
    start = html.index(">", html.index(f'id="{element_id}"')) + 1
    return html[start : html.index("</textarea>", start)].strip()


def test_a_refused_send_back_or_unlock_keeps_the_comment_typed(client_for, submitted):
    qa = client_for("qa_manager")
    stale = str(submitted.version - 1)
    comment = "Please add the strategy meeting <on day two>."
    response = qa.post(url("return_review", submitted), {"action": "send_back", "version": stale, "comment": comment})
    html = response.content.decode()
    assert response.status_code == 409 and "The return changed after you opened it" in html
    assert textarea(html, "id_send_back_comment") == "Please add the strategy meeting &lt;on day two&gt;."
    # The form kept is based on the version shown: sending it again works.
    assert f'name="version" value="{submitted.version}"' in html
    assert reload(submitted).status == ReturnStatus.SUBMITTED
    assert review(qa, submitted, "send_back", comment=comment).status_code == 302

    # Unlocking, likewise.
    PartAReturn.objects.filter(pk=submitted.pk).update(status=ReturnStatus.ACCEPTED)
    stale = str(reload(submitted).version - 1)
    data = {"action": "unlock", "version": stale, "comment": "Graded the wrong case."}
    response = qa.post(url("return_review", submitted), data)
    assert response.status_code == 409
    assert textarea(response.content.decode(), "id_unlock_comment") == "Graded the wrong case."
    assert reload(submitted).status == ReturnStatus.ACCEPTED


def test_a_comment_for_a_send_back_no_longer_offered_is_shown_to_copy(client_for, submitted):
    """The lead officer accepted the return while the QA manager wrote: the send-back form is gone."""
    version = str(submitted.version)
    assert review(client_for("lead_officer"), submitted, "accept").status_code == 302
    qa = client_for("qa_manager")
    data = {"action": "send_back", "version": version, "comment": "Please add the strategy meeting."}
    response = qa.post(url("return_review", submitted), data)
    html = response.content.decode()
    assert response.status_code == 409 and 'id="id_send_back_comment"' not in html
    panel = html[html.index('data-testid="unsent-comment"') :][:400]
    assert "Your comment was not sent" in panel and "Please add the strategy meeting." in panel
    assert textarea(html, "id_unlock_comment") == ""  # not put into another action's box
    assert reload(submitted).status == ReturnStatus.ACCEPTED


def test_a_long_comment_is_counted_not_cut_and_refused_with_the_text_kept(client_for, submitted):
    """No maxlength on the comment (a long paste would be cut off without a word): the counter's
    attributes instead, and the server refuses an over-long comment next to it, keeping all of it."""
    from django.conf import settings

    qa = client_for("qa_manager")
    page = qa.get(url("return_detail", submitted)).content.decode()
    box = page[page.index('id="id_send_back_comment"') - 300 : page.index('id="id_send_back_comment"') + 300]
    assert " maxlength=" not in box and f'data-maxlength="{settings.PART_A_MAX_TEXT}"' in box

    comment = "Please add the strategy meeting. " * (settings.PART_A_MAX_TEXT // 30)
    assert len(comment) > settings.PART_A_MAX_TEXT
    response = review(qa, submitted, "send_back", comment=comment)
    html = response.content.decode()
    assert response.status_code == 400
    assert f"over the limit of {settings.PART_A_MAX_TEXT}" in html
    assert textarea(html, "id_send_back_comment") == comment.strip()
    assert reload(submitted).status == ReturnStatus.SUBMITTED


def test_accepting_a_return_that_is_not_submitted_is_409(client_for, ret):
    response = review(client_for("qa_manager"), ret, "accept")
    assert response.status_code == 409 and reload(ret).status == ReturnStatus.NOT_STARTED


def test_bad_review_action_is_400(client_for, submitted):
    assert review(client_for("qa_manager"), submitted, "delete").status_code == 400


# --- History, the audit's returns, chasing -----------------------------------------------------------------


def test_history_page(client_for, ret, layout, auditor):
    s1 = layout.standards[0]
    client = client_for("auditor")
    post_json(client, ret, {"version": 0, "fields": {evidence_field(s1.pk): "First words"}})
    post_json(client, ret, {"version": 1, "fields": {evidence_field(s1.pk): "Better words"}})
    html = client_for("qa_manager").get(url("return_history", ret)).content.decode()
    assert "First words" in html and "Better words" in html and escape(str(auditor)) in html
    assert f"Answer to {s1.code}" in html


def test_every_view_of_a_return_is_recorded_once(client_for, ret, auditor):
    client_for("auditor").get(url("return_detail", ret))
    assert AccessRecord.objects.filter(action=AccessAction.VIEW, object_id=str(ret.pk), user=auditor).count() == 1


def test_audit_returns_page_for_the_qa_manager(client_for, audit, qa_manager):
    html = client_for("qa_manager").get(reverse("audits:audit_returns", args=[audit.slug])).content.decode()
    assert html.count("Not started") == 4
    assert reverse("audits:chase_auditor", args=[audit.slug, audit.participants.first().agency_id]) in html
    # Every return's status, case by case: who saw it is recorded, against the audit.
    from agencies.models import AccessAction, AccessRecord

    assert AccessRecord.objects.filter(
        action=AccessAction.VIEW, summary=f"Part A returns: {audit}", audit=audit, user=qa_manager
    ).exists()


def test_chase_redirects_back_and_emails(client_for, audit, agency_a, auditor, django_capture_on_commit_callbacks):
    target = reverse("audits:dashboard", args=[audit.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("lead_officer").post(
            reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": target}
        )
    assert response.status_code == 302 and response.url == target
    assert mail.outbox[0].to == [auditor.email]

    # The dashboard says when; a second chase within the hour sends nothing and says why.
    client = client_for("qa_manager")
    assert "Last chased" in client.get(target).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": target}, follow=True
        )
    assert "less than an hour ago: no second reminder was sent" in again.content.decode()
    assert len(mail.outbox) == 1
    assert "last chased" in client.get(reverse("audits:audit_returns", args=[audit.slug])).content.decode()
    ReminderLog.objects.update(sent_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": target})
    assert len(mail.outbox) == 2


def test_chase_ignores_an_outside_next(client_for, audit, agency_a):
    response = client_for("qa_manager").post(
        reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("audits:audit_returns", args=[audit.slug])


def test_chase_an_agency_not_in_the_audit_is_404(client_for, audit, agency_c):
    response = client_for("qa_manager").post(reverse("audits:chase_auditor", args=[audit.slug, agency_c.pk]))
    assert response.status_code == 404


# --- Bad input found by the fuzz tests (tests/test_fuzz.py) ------------------------------------------


def test_autosave_nested_too_deeply_is_400_and_changes_nothing(client_for, ret):
    # json.loads raises RecursionError, not ValueError, on deep nesting: it was a 500.
    response = post_json(client_for("auditor"), ret, '{"version": 0, "fields": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["message"]
    assert reload(ret).version == 0


@pytest.mark.parametrize("target", ["0", "home", "audits:audit_list", "a\x00b"])
def test_chase_with_a_next_that_is_not_a_path_goes_back_to_the_returns_list(client_for, audit, agency_a, target):
    # redirect() looked a bare word up as a URL name: "0" was a 500 after the e-mail had been queued.
    response = client_for("qa_manager").post(
        reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response.url == reverse("audits:audit_returns", args=[audit.slug])


def test_chase_with_a_body_over_the_upload_limit_is_400_and_chases_nothing(client_for, audit, agency_a, settings):
    # The post was read after the reminder had been logged and queued: a 400 that had acted.
    from audits.models import ReminderLog

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client_for("qa_manager").post(
        reverse("audits:chase_auditor", args=[audit.slug, agency_a.pk]), {"next": "/", "padding": "x" * 2_000}
    )
    assert response.status_code == 400
    assert not ReminderLog.objects.exists()
