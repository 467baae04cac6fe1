"""Planning in Administration: the QA manager sets up audits, their agencies, auditors and cases, and
the audit tools (audits/planning.py); what has been answered stays as it was answered."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AccessRecord
from audits.models import (
    Audit,
    AuditStatus,
    PartAReturn,
    Section,
    Standard,
    ToolVersion,
    validate_case_reference,
)
from audits.tests.admin_support import page_text
from audits.tests.factories import AuditThemeFactory, make_scale, make_tool_version

pytestmark = pytest.mark.django_db


def inline_management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def audit_form(slug: str, *, participants: int = 0, cases: int = 0, **fields) -> dict:
    """The add-audit form as the admin posts it: the audit's required fields and the inlines' counts."""
    return {
        "title": "Audit",
        "slug": slug,
        "theme": AuditThemeFactory().pk,
        "scope_question": "?",
        "tool_version": make_tool_version(standards=2, sections=1).pk,
        **inline_management("participants", participants),
        **inline_management("cases", cases),
        **fields,
    }


def test_the_qa_manager_plans_in_administration_without_being_staff(client, qa_manager):
    assert not qa_manager.is_staff
    client.force_login(qa_manager)

    index = client.get(reverse("admin:index"))

    assert index.status_code == 200
    html = index.content.decode()
    for model in ("audit", "toolversion", "audittool", "gradescale", "riskfactor"):
        assert reverse(f"admin:audits_{model}_changelist") in html
    # Nothing beyond planning: not the returns, findings or briefings (the app's own pages), not people.
    assert reverse("admin:agencies_user_changelist") not in html
    assert client.get(reverse("admin:agencies_user_changelist")).status_code == 403
    for url in ("/admin/audits/partareturn/", "/admin/audits/finding/", "/admin/briefings/briefing/"):
        assert url not in html
        assert client.get(url).status_code == 404  # not in the admin at all


@pytest.mark.parametrize("who", ["auditor", "manager", "practitioner", "lead_officer"])
def test_other_roles_are_sent_to_the_admin_sign_in(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:audits_audit_add"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_administrator_still_sees_no_audit(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:audits_audit_changelist")).status_code == 403


def test_a_new_audit_with_its_agencies_auditors_and_cases_then_part_a_opens_in_the_app(
    client, qa_manager, lead_officer, agency_a, agency_b, auditor, other_auditor
):
    version = make_tool_version(standards=4, sections=2)
    client.force_login(qa_manager)
    data = audit_form(
        "neglect-2027",
        participants=2,
        cases=3,
        title="Neglect audit 2027",
        scope_question="Do agencies recognise neglect early?",
        tool_version=version.pk,
        lead_officer=lead_officer.pk,
        part_a_due="2027-03-01",
        status=AuditStatus.PART_B,  # not a field of the form: the status moves in the app only
        **{
            "participants-0-agency": agency_a.pk,
            "participants-0-auditor": auditor.pk,
            "participants-1-agency": agency_b.pk,
            "participants-1-auditor": other_auditor.pk,
        },
        **{f"cases-{i}-reference": f"Case {i + 1}" for i in range(3)},
        **{f"cases-{i}-order": str(i + 1) for i in range(3)},
        **{f"cases-{i}-age_band": "13-15" for i in range(3)},
        **{f"cases-{i}-gender": "female" for i in range(3)},
    )

    response = client.post(reverse("admin:audits_audit_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    audit = Audit.objects.get(slug="neglect-2027")
    assert audit.status == AuditStatus.PLANNING and audit.tool_version == version
    assert audit.participants.count() == 2 and audit.cases.count() == 3
    assert AccessRecord.objects.filter(
        user=qa_manager, object_type="audits.audit", object_id=str(audit.pk), summary=f"Planning: added {audit}"
    ).exists()
    # The audit's page links back to its plan, and opening Part A makes a return per case × agency.
    dashboard = client.get(reverse("audits:dashboard", args=[audit.slug])).content.decode()
    assert reverse("admin:audits_audit_change", args=[audit.pk]) in dashboard
    opened = client.post(reverse("audits:audit_status", args=[audit.slug]), {"to_status": AuditStatus.PART_A})
    assert opened.status_code == 302
    assert PartAReturn.objects.filter(audit=audit, tool_version=version).count() == 6


def test_an_auditor_must_work_for_the_agency_they_audit_for(client, qa_manager, agency_a, agency_b, other_auditor):
    client.force_login(qa_manager)
    data = audit_form(
        "audit-x",
        participants=1,
        **{"participants-0-agency": agency_a.pk, "participants-0-auditor": other_auditor.pk},  # works for agency B
    )
    response = client.post(reverse("admin:audits_audit_add"), data)
    assert response.status_code == 200
    said = f"{other_auditor} works for {agency_b.name}, not {agency_a.name}: choose one of {agency_a.name}'s managers"
    assert said in page_text(response)
    assert not Audit.objects.filter(slug="audit-x").exists()


def test_past_planning_the_tool_agencies_and_cases_stay_and_the_audit_cannot_be_deleted(client, qa_manager, audit):
    client.force_login(qa_manager)
    url = reverse("admin:audits_audit_change", args=[audit.pk])
    form = client.get(url).context["adminform"]
    assert {"status", "slug", "tool_version"} <= set(form.readonly_fields)
    inlines = client.get(url).context["inline_admin_formsets"]
    assert inlines and all(not formset.has_add_permission and not formset.has_change_permission for formset in inlines)
    assert client.get(reverse("admin:audits_audit_delete", args=[audit.pk])).status_code == 403


def test_an_audit_in_planning_is_deleted_from_its_page_and_the_access_log_says_so(client, qa_manager):
    from audits.tests.factories import AuditFactory

    planned = AuditFactory(title="Draft plan", slug="draft-plan", status=AuditStatus.PLANNING)
    client.force_login(qa_manager)
    response = client.post(reverse("admin:audits_audit_delete", args=[planned.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Audit.objects.filter(pk=planned.pk).exists()
    assert AccessRecord.objects.filter(
        user=qa_manager, object_id=str(planned.pk), summary="Planning: deleted Draft plan"
    ).exists()


def test_an_answered_tool_version_is_read_only_and_copied_to_adapt_it(client, qa_manager, audit):
    version = audit.tool_version
    assert version.returns.exists()
    sections = list(version.sections.order_by("order").values_list("title", flat=True))
    standards = list(
        Standard.objects.filter(section__version=version)
        .order_by("section__order", "order")
        .values_list("code", "text", "guidance", "answer_type")
    )
    client.force_login(qa_manager)

    change = client.get(reverse("admin:audits_toolversion_change", args=[version.pk]))
    assert change.status_code == 200 and not change.context["has_change_permission"]
    # Posted anyway (a page opened while it was a draft): nothing saved, the page shown again read-only (409).
    assert client.post(reverse("admin:audits_toolversion_change", args=[version.pk]), {"number": 9}).status_code == 409
    assert ToolVersion.objects.get(pk=version.pk).number == version.number
    section = version.sections.first()
    assert client.post(reverse("admin:audits_section_change", args=[section.pk]), {"title": "X"}).status_code == 409
    assert version.sections.get(pk=section.pk).title == section.title
    add_section = client.get(reverse("admin:audits_section_add")).context["adminform"].form
    assert version not in add_section.fields["version"].queryset

    copied = client.post(
        reverse("admin:audits_toolversion_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [version.pk]},
    )

    assert copied.status_code == 302
    copy = ToolVersion.objects.get(tool=version.tool, number=version.number + 1)
    assert copy.scale_id == version.scale_id
    assert list(copy.sections.order_by("order").values_list("title", flat=True)) == sections
    assert (
        list(
            Standard.objects.filter(section__version=copy)
            .order_by("section__order", "order")
            .values_list("code", "text", "guidance", "answer_type")
        )
        == standards
    )
    assert Section.objects.filter(version=version).count() == len(sections)  # the original is untouched
    assert AccessRecord.objects.filter(user=qa_manager, object_id=str(copy.pk), summary__contains="copied").exists()
    # The copy has no returns: it can be adapted.
    page = client.get(reverse("admin:audits_toolversion_change", args=[copy.pk]))
    assert page.context["has_change_permission"]


def test_the_grade_scale_of_an_answered_version_is_read_only_and_a_new_one_is_not(client, qa_manager, audit):
    client.force_login(qa_manager)
    scale = audit.tool_version.scale
    page = client.get(reverse("admin:audits_gradescale_change", args=[scale.pk]))
    # Only what each grade means can still be written (test_grade_descriptions_in_use): the name is read-only.
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    assert client.post(reverse("admin:audits_gradescale_change", args=[scale.pk]), {"name": "X"}).status_code == 409
    scale.refresh_from_db()
    assert scale.name != "X"

    fresh = make_scale("The partnership's own scale")  # no returns were made on it
    page = client.get(reverse("admin:audits_gradescale_change", args=[fresh.pk]))
    assert page.context["has_change_permission"]


@pytest.mark.parametrize("reference", ["Case 3", "CSE-04", "Case 12a", "C7"])
def test_a_case_reference_is_a_pseudonym_with_a_number(reference):
    validate_case_reference(reference)


@pytest.mark.parametrize(
    "reference", ["Jane Smith", "Case three", "943 476 5919", "07700 900123", "Case 3 (Jane)", "Case_3", " Case 3"]
)
def test_a_name_or_an_identifier_is_not_a_case_reference(reference):
    with pytest.raises(ValidationError, match="pseudonym"):
        validate_case_reference(reference)


def test_planning_refuses_a_name_as_a_case_reference(client, qa_manager):
    client.force_login(qa_manager)
    data = audit_form(
        "audit-y",
        cases=1,
        **{
            "cases-0-reference": "Jane Smith",
            "cases-0-order": "1",
            "cases-0-age_band": "13-15",
            "cases-0-gender": "female",
        },
    )
    response = client.post(reverse("admin:audits_audit_add"), data)
    assert response.status_code == 200 and "never a name or a record number" in response.content.decode()
    assert not Audit.objects.filter(slug="audit-y").exists()


def test_whether_a_version_or_scale_was_answered_is_asked_once_a_page(client, qa_manager, audit):
    """The admin asks its permissions once for the object and again for every inline form: the
    answer is kept on the object, not read from the database each time."""
    client.force_login(qa_manager)
    version = audit.tool_version
    pages = [
        reverse("admin:audits_toolversion_change", args=[version.pk]),
        reverse("admin:audits_section_change", args=[version.sections.first().pk]),
        reverse("admin:audits_gradescale_change", args=[version.scale_id]),
        reverse("admin:audits_toolversion_changelist"),
    ]
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        asked = [q for q in queries.captured_queries if '"audits_partareturn"' in q["sql"]]
        assert len(asked) == 1, (url, len(asked))
