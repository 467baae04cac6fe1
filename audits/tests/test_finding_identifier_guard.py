"""Findings are printed in the briefings: their heading and text are refused at save while they hold what
the identifier guard flags (the partnership's own published support lines pass), with the message by the
field and what was typed kept; a Part A text holding such a detail is not promoted into one."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Partnership, SupportContact
from audits.models import Finding, FindingKind, PartAReturn
from audits.services.partb import finding_add, finding_promote, finding_update
from audits.tests.factories import FindingFactory
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

NHS = "943 476 5919"


def test_a_new_finding_holding_an_nhs_number_is_refused_and_nothing_saved(part_b, qa_manager):
    with pytest.raises(ValidationError) as refused:
        finding_add(
            user=qa_manager, audit=part_b, kind=FindingKind.STRENGTH, heading="Joint work", body=f"GP ({NHS}) shared"
        )
    assert set(refused.value.message_dict) == {"body"}
    assert "an NHS number (“943 476 5919”)" in refused.value.message_dict["body"][0]
    assert not Finding.objects.exists()


def test_the_partnerships_published_support_line_may_be_named(part_b, qa_manager):
    SupportContact.objects.create(partnership=Partnership.load(), name="MASH", phone="01273 290400")
    finding = finding_add(
        user=qa_manager, audit=part_b, kind=FindingKind.LEARNING_POINT, body="Call the MASH on 01273 290400 first."
    )
    assert finding.pk


def test_the_findings_page_shows_the_refusal_by_the_field_and_keeps_the_text(client, part_b, qa_manager):
    client.force_login(qa_manager)
    url = reverse("audits:finding_add", args=[part_b.slug, FindingKind.STRENGTH])
    typed = "Seen at home, BN1 1AA"
    response = client.post(url, {"strength-heading": typed, "strength-body": "Good joint visit"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The finding includes what looks like a postcode" in html and typed in html
    assert not Finding.objects.exists()


def test_a_finding_recorded_before_the_guard_is_changed_without_its_old_text_being_checked(part_b, qa_manager):
    finding = FindingFactory(audit=part_b, kind=FindingKind.LEARNING_POINT, heading="Old", body=f"Old text {NHS}")
    finding_update(user=qa_manager, finding=finding, heading="Renamed", body=finding.body)
    assert Finding.objects.get(pk=finding.pk).heading == "Renamed"
    with pytest.raises(ValidationError) as refused:
        finding_update(user=qa_manager, finding=finding, heading="Renamed", body=f"New text {NHS}")
    assert set(refused.value.message_dict) == {"body"}
    assert Finding.objects.get(pk=finding.pk).body == f"Old text {NHS}"


def test_a_part_a_text_holding_an_identifier_is_not_promoted(part_b, qa_manager, auditor):
    ret = PartAReturn.objects.filter(audit=part_b, agency=auditor.agency).order_by("case__order").first()
    complete_return(ret, strengths="Quick referral; mother's mobile 07700 900123 kept on file.")
    with pytest.raises(ValidationError, match="Not promoted: the text includes what looks like a phone number"):
        finding_promote(user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH)
    assert not Finding.objects.exists()
    PartAReturn.objects.filter(pk=ret.pk).update(strengths="Quick referral to the MASH.")
    finding, created = finding_promote(
        user=qa_manager, part_a_return=PartAReturn.objects.get(pk=ret.pk), field="strengths", kind=FindingKind.STRENGTH
    )
    assert created and finding.body == "Quick referral to the MASH."


def test_a_new_risk_factor_named_with_an_identifier_is_refused(part_b, qa_manager):
    from audits.models import RiskFactor

    with pytest.raises(ValidationError) as refused:
        finding_add(
            user=qa_manager, audit=part_b, kind=FindingKind.THEME, body="Exploitation", new_risk_factor="BN1 1AA area"
        )
    assert set(refused.value.message_dict) == {"new_risk_factor"}
    assert not RiskFactor.objects.filter(name__contains="BN1").exists()
