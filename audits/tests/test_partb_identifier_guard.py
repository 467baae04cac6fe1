"""Part B's free text and the identifier guard (audits/identifiers.py): a recommendation's text (and its
evidence of impact), a consensus judgement's reasons and the session's notes are refused at save while
they hold what may identify a child (an NHS number, a postcode…), with a message by the field naming what
was found and what was typed kept; the partnership's own published support lines pass. The owners' weekly
digest, which may go outside the partnership, does not hold what a recommendation says."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Partnership, SupportContact
from audits.models import (
    CaseJudgement,
    Grade,
    PartBSession,
    Recommendation,
    RecommendationStatus,
    Section,
)
from audits.selectors.partb import edit_marker, judgement_marker
from audits.services.insights import email_recommendation_digest, recommendation_digests_queue
from audits.services.partb import (
    CONSENSUS_IDENTIFIER,
    ConsensusEntry,
    judgement_record,
    judgements_record,
    recommendation_add,
    recommendation_transition,
    recommendation_update,
    session_update,
)
from audits.tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db

NHS = "943 476 5919"  # passes the modulus-11 check
POSTCODE = "BN1 1AA"
MASH = "01273 290400"  # the partnership's published support line, in the tests that create it
SOON = timezone.localdate() + dt.timedelta(days=120)
NHS_FOUND = f"an NHS number (“{NHS}”)"
POSTCODE_FOUND = f"a postcode (“{POSTCODE}”)"


@pytest.fixture
def mash_line(db):
    """The partnership publishes the MASH's number (printed in every practitioners' briefing)."""
    return SupportContact.objects.create(partnership=Partnership.load(), name="MASH", phone=MASH)


def _grades(audit) -> list[Grade]:
    return list(Grade.objects.filter(scale_id=audit.tool_version.scale_id).order_by("rank"))


def _first_stage(audit) -> Section:
    return Section.objects.filter(version_id=audit.tool_version_id).order_by("order").first()


# --- Recommendations: the services ---------------------------------------------------------------


def test_the_service_refuses_a_recommendation_naming_what_it_found(qa_manager, part_b):
    text = f"Refer the child (NHS {NHS}, living at {POSTCODE}) to CAMHS."
    with pytest.raises(ValidationError) as refused:
        recommendation_add(user=qa_manager, audit=part_b, text=text, owner="CSE group", due_date=SOON)
    [message] = refused.value.message_dict["text"]
    assert NHS_FOUND in message and POSTCODE_FOUND in message
    assert "could identify a child" in message and "outside the partnership" in message
    assert not Recommendation.objects.exists()


def test_a_published_support_number_passes_and_only_a_published_one(qa_manager, part_b):
    text = f"Publicise the MASH line {MASH} to every school."
    with pytest.raises(ValidationError, match="a phone number"):
        recommendation_add(user=qa_manager, audit=part_b, text=text, owner="CSE group", due_date=SOON)
    SupportContact.objects.create(partnership=Partnership.load(), name="MASH", phone="+44 1273 290400")
    rec = recommendation_add(user=qa_manager, audit=part_b, text=text, owner="CSE group", due_date=SOON)
    assert Recommendation.objects.get(pk=rec.pk).text == text


def test_a_changed_text_is_refused_and_one_left_as_it_was_is_not_checked_again(qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b, text="Review CIN plans.", due_date=SOON)
    with pytest.raises(ValidationError) as refused:
        recommendation_update(
            user=qa_manager, recommendation=rec, text=f"Review CIN plans ({POSTCODE}).", owner=rec.owner, due_date=SOON
        )
    assert POSTCODE_FOUND in refused.value.message_dict["text"][0]
    assert Recommendation.objects.get(pk=rec.pk).text == "Review CIN plans."

    # Recorded before the guard: changing only its due date does not write the text, so is not held up.
    legacy = RecommendationFactory(audit=part_b, text=f"Legacy, {NHS}.", due_date=SOON)
    shown = {"text": edit_marker(legacy.text), "owner": edit_marker(legacy.owner), "due_date": edit_marker(SOON)}
    later = SOON + dt.timedelta(days=10)
    recommendation_update(
        user=qa_manager, recommendation=legacy, text=legacy.text, owner=legacy.owner, due_date=later, shown=shown
    )
    assert Recommendation.objects.get(pk=legacy.pk).due_date == later


def test_evidence_of_impact_is_refused_too(qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b, due_date=SOON)
    with pytest.raises(ValidationError) as refused:
        recommendation_transition(
            user=qa_manager,
            recommendation=rec,
            to_status=RecommendationStatus.IN_PROGRESS,
            impact_evidence=f"Seen again at {POSTCODE}.",
        )
    assert POSTCODE_FOUND in refused.value.message_dict["impact_evidence"][0]
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.OPEN, "")


# --- Recommendations: the pages ----------------------------------------------------------------


def test_adding_one_with_an_nhs_number_is_refused_by_the_field_with_the_text_kept(client, qa_manager, part_b):
    client.force_login(qa_manager)
    text = f"Check the records of NHS {NHS} weekly."
    response = client.post(
        reverse("audits:recommendations", args=[part_b.slug]), {"text": text, "owner": "CSE group", "due_date": SOON}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error_1_id_text"' in html and NHS_FOUND in html.split('id="error_1_id_text"')[1][:600]
    assert f"{text}</textarea>" in html
    assert not Recommendation.objects.exists()


def test_editing_one_to_hold_a_postcode_is_refused_with_the_text_kept(client, lead_officer, part_b):
    rec = RecommendationFactory(audit=part_b, text="Review CIN plans.", due_date=SOON)
    client.force_login(lead_officer)
    text = f"Review CIN plans in {POSTCODE}."
    url = reverse("audits:recommendation_edit", args=[part_b.slug, rec.pk])
    response = client.post(url, {"text": text, "owner": rec.owner, "due_date": SOON})
    html = response.content.decode()
    assert response.status_code == 400
    assert POSTCODE_FOUND in html.split('id="error_1_id_text"')[1][:600]
    assert f"{text}</textarea>" in html
    assert Recommendation.objects.get(pk=rec.pk).text == "Review CIN plans."


def test_a_published_support_number_is_accepted_on_the_page_and_another_number_is_not(
    client, qa_manager, part_b, mash_line
):
    client.force_login(qa_manager)
    url = reverse("audits:recommendations", args=[part_b.slug])
    response = client.post(url, {"text": "Call the family on 01273 555123.", "owner": "CSE group", "due_date": SOON})
    assert response.status_code == 400 and "a phone number (“01273 555123”)" in response.content.decode()
    text = f"Publicise the MASH line ({MASH}) to every school."
    response = client.post(url, {"text": text, "owner": "CSE group", "due_date": SOON})
    assert response.status_code == 302
    assert Recommendation.objects.get(audit=part_b).text == text


def test_evidence_of_impact_with_an_identifier_is_shown_again_by_its_field(client, qa_manager, part_b):
    rec = RecommendationFactory(audit=part_b, due_date=SOON)
    client.force_login(qa_manager)
    url = reverse("audits:recommendation_status", args=[part_b.slug, rec.pk])
    evidence = f"Child {NHS} now seen monthly."
    data = {f"rec-{rec.pk}-to_status": RecommendationStatus.IN_PROGRESS, f"rec-{rec.pk}-impact_evidence": evidence}
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert NHS_FOUND in html and f"{evidence}</textarea>" in html
    rec.refresh_from_db()
    assert (rec.status, rec.impact_evidence) == (RecommendationStatus.OPEN, "")


# --- Consensus reasons ---------------------------------------------------------------------------


def test_the_services_refuse_consensus_reasons_with_an_identifier(qa_manager, part_b):
    case = part_b.cases.order_by("order").first()
    grade = _grades(part_b)[1]
    with pytest.raises(ValidationError) as refused:
        judgement_record(user=qa_manager, case=case, section=None, grade=grade, reasons=f"NHS {NHS} seen late.")
    assert NHS_FOUND in refused.value.message_dict["reasons"][0]

    entry = ConsensusEntry(section=None, prefix="overall", label="the case overall", grade=grade)
    entry.reasons = f"Moved to {POSTCODE} in the spring."
    [entry] = judgements_record(user=qa_manager, case=case, entries=[entry])
    assert entry.outcome == CONSENSUS_IDENTIFIER and POSTCODE_FOUND in entry.error
    assert not CaseJudgement.objects.filter(case=case).exists()


def test_the_board_keeps_refused_reasons_by_their_stage_and_saves_the_others(client, qa_manager, part_b, mash_line):
    case = part_b.cases.order_by("order").first()
    stage, grade = _first_stage(part_b), _grades(part_b)[1]
    client.force_login(qa_manager)
    url = reverse("audits:judgement", args=[part_b.slug, case.pk])
    reasons = f"Police did not share the address, {POSTCODE}."
    response = client.post(
        url,
        {
            "section": "",
            f"stage-{stage.pk}-grade": grade.pk,
            f"stage-{stage.pk}-reasons": f"The MASH ({MASH}) was called at once.",
            "overall-grade": grade.pk,
            "overall-reasons": reasons,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200  # the stage was saved, the overall judgement shown again
    assert CaseJudgement.objects.get(case=case, section=stage).reasons == f"The MASH ({MASH}) was called at once."
    assert not CaseJudgement.objects.filter(case=case, section__isnull=True).exists()
    unsaved = html.split('id="overall-unsaved"')[1][:600]
    assert POSTCODE_FOUND in unsaved and "could identify a child" in unsaved
    assert f'aria-invalid="true" aria-describedby="overall-unsaved">{reasons}</textarea>' in html

    # Nothing else to save: refused (400), the reasons still kept.
    response = client.post(url, {"section": "", "overall-grade": grade.pk, "overall-reasons": f"NHS {NHS}"})
    assert response.status_code == 400
    assert NHS_FOUND in response.content.decode() and f"NHS {NHS}</textarea>" in response.content.decode()
    assert not CaseJudgement.objects.filter(case=case, section__isnull=True).exists()


def test_reasons_recorded_before_the_guard_do_not_hold_up_another_stage(qa_manager, part_b):
    case = part_b.cases.order_by("order").first()
    grade = _grades(part_b)[1]
    old = CaseJudgement.objects.create(case=case, section=None, grade=grade, reasons=f"Old, {NHS}.")
    kept = ConsensusEntry(section=None, prefix="overall", label="the case overall", grade=grade, reasons=old.reasons)
    kept.shown = judgement_marker(old)
    stage = ConsensusEntry(section=_first_stage(part_b), prefix="stage", label="stage", grade=grade, reasons="Fine.")
    with pytest.raises(ValidationError):  # written again, they are refused
        judgement_record(user=qa_manager, case=case, section=None, grade=grade, reasons=old.reasons)
    entries = judgements_record(user=qa_manager, case=case, entries=[kept, stage])
    assert [e.outcome for e in entries] == ["unchanged", "saved"]


# --- Session notes -------------------------------------------------------------------------------


def test_the_service_refuses_session_notes_with_an_identifier(qa_manager, part_b):
    session_update(user=qa_manager, audit=part_b, date=None, venue="Room 1", notes="Room booked until 4pm.")
    with pytest.raises(ValidationError) as refused:
        session_update(user=qa_manager, audit=part_b, date=None, venue="Room 1", notes=f"Child NHS {NHS} discussed.")
    assert NHS_FOUND in refused.value.message_dict["notes"][0]
    assert PartBSession.objects.get(audit=part_b).notes == "Room booked until 4pm."


def test_the_session_page_refuses_notes_with_a_postcode_by_the_field(client, qa_manager, part_b, mash_line):
    a, b = part_b.participants.order_by("agency__name")
    data = {
        "date": "2027-01-20",
        "venue": "Hove Town Hall",
        "notes": f"Family moved to {POSTCODE} in May.",
        "chair": "Ann Lee, QA manager",
        "other_attendees": "",
        f"participant_{a.pk}": "present",
        f"participant_{b.pk}": "apologies",
    }
    client.force_login(qa_manager)
    url = reverse("audits:session", args=[part_b.slug])
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert POSTCODE_FOUND in html and f"Family moved to {POSTCODE} in May.</textarea>" in html
    assert not PartBSession.objects.filter(audit=part_b).exclude(notes="").exists()

    # The partnership's published line is not the child's: saved.
    response = client.post(url, {**data, "notes": f"MASH ({MASH}) to attend next time."})
    assert response.status_code == 302
    assert PartBSession.objects.get(audit=part_b).notes == f"MASH ({MASH}) to attend next time."


# --- The owners' digest --------------------------------------------------------------------------


def test_the_owners_digest_does_not_hold_what_a_recommendation_says(part_b):
    partnership = Partnership.load()
    partnership.contact_email = "qa@scp.example.gov.uk"
    partnership.save()
    today = timezone.localdate()
    # Recorded before the guard, with what must never go outside the partnership.
    RecommendationFactory(
        audit=part_b,
        text=f"Refer the child, NHS {NHS}, to CAMHS.",
        due_date=today - dt.timedelta(days=3),
        owner_email="owner@outside.example.org",
    )
    assert recommendation_digests_queue(today=today) == ["owner@outside.example.org"]
    assert email_recommendation_digest(address="owner@outside.example.org", day=today.isoformat())
    body = mail.outbox[0].body
    assert "Refer the child" not in body and NHS not in body and "CAMHS" not in body
    assert part_b.title in body and "overdue by 3 days" in body and "Status: Open" in body
    assert "qa@scp.example.gov.uk" in body
    assert f"{settings.SITE_URL}{reverse('audits:my_recommendations')}" in body
