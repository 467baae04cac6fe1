"""A detail the identifier guard flags, once the auditor removes it from a Part A return, goes from the
return's earlier versions too (the history tables, so the history page and the three-way merge read
them without it): a "[removed: possible identifier]" marker stands in its place. A detail the auditor
kept, other fields and other returns are left as they were; the save says so in its change reason and
access record, never quoting the detail; and it costs a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AccessRecord, SupportContact
from audits.models import Answer, PartAReturn
from audits.selectors.parta import evidence_field, return_state, tool_layout
from audits.services.parta import REDACTED_REASON, return_autosave, return_save_draft
from audits.tests.parta_support import complete, evidence_history, load, return_history_of

pytestmark = [pytest.mark.usefixtures("partnership")]

MARKER = "[removed: possible identifier]"
NHS = "943 476 5919"  # passes the modulus-11 check
POSTCODE = "BN1 1AA"
PHONE = "07700 900123"


def save(user, ret, **changes):
    """An autosave of `changes` on the return as it is now; the return, read afresh."""
    fresh = load(ret.pk)
    layout = tool_layout(fresh.tool_version)
    return_autosave(user=user, ret=fresh, layout=layout, based_on_version=fresh.version, changes=changes)
    return load(ret.pk)


def test_a_removed_identifier_goes_from_every_earlier_version_and_the_history_page(client_for, auditor, ret, layout):
    s1 = layout.standards[0]
    field = evidence_field(s1.pk)
    save(auditor, ret, **{field: f"Seen at home, {POSTCODE}; NHS {NHS}.", "strengths": f"Mum rang on {PHONE}."})
    save(auditor, ret, **{field: f"Seen at home, {POSTCODE}; NHS {NHS}. Strategy meeting held."})
    saved = save(auditor, ret, **{field: "Seen at home. Strategy meeting held.", "strengths": "Mum rang."})

    rows = evidence_history(saved, s1)
    assert len(rows) == 3
    assert not any(POSTCODE in row or NHS in row for row in rows)
    assert rows[:2] == [
        f"Seen at home, {MARKER}; NHS {MARKER}.",
        f"Seen at home, {MARKER}; NHS {MARKER}. Strategy meeting held.",
    ]
    assert rows[2] == "Seen at home. Strategy meeting held."
    strengths = return_history_of(saved, "strengths")
    assert not any(PHONE in row for row in strengths)
    assert f"Mum rang on {MARKER}." in strengths and strengths[-1] == "Mum rang."
    assert return_state(saved, layout)[field] == "Seen at home. Strategy meeting held."

    html = client_for("qa_manager").get(reverse("audits:return_history", args=[ret.pk])).content.decode()
    assert MARKER in html and "Strategy meeting held." in html
    assert POSTCODE not in html and NHS not in html and PHONE not in html
    # The save says what it did, without the detail itself.
    assert REDACTED_REASON in html
    last = AccessRecord.objects.filter(object_id=str(ret.pk), summary__contains=REDACTED_REASON)
    assert last.count() == 1
    assert not AccessRecord.objects.filter(summary__contains=POSTCODE).exists()
    assert not PartAReturn.history.filter(history_change_reason__contains=POSTCODE).exists()


def test_an_identifier_the_auditor_kept_is_not_redacted(auditor, ret, layout):
    s1 = layout.standards[0]
    field = evidence_field(s1.pk)
    save(auditor, ret, **{field: f"Lives at {POSTCODE}; NHS {NHS}."})
    saved = save(auditor, ret, **{field: f"Lives at {POSTCODE}."})
    assert evidence_history(saved, s1) == [f"Lives at {POSTCODE}; NHS {MARKER}.", f"Lives at {POSTCODE}."]


def test_a_published_contact_is_not_redacted_as_it_is_not_flagged(partnership, auditor, ret, layout):
    SupportContact.objects.create(partnership=partnership, name="MASH", phone="01273 290400", email="", description="")
    s1 = layout.standards[0]
    field = evidence_field(s1.pk)
    save(auditor, ret, **{field: f"Referred to the MASH on 01273 290400; mum's mobile {PHONE}."})
    saved = save(auditor, ret, **{field: "Referred to the MASH."})
    assert evidence_history(saved, s1)[0] == f"Referred to the MASH on 01273 290400; mum's mobile {MARKER}."


def test_other_fields_and_other_returns_keep_their_history(audit, auditor, ret, layout):
    s1, s2 = layout.standards[:2]
    text = f"Lives at {POSTCODE}."
    other = PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 2")
    save(auditor, other, **{evidence_field(s1.pk): text, "strengths": text})
    save(auditor, ret, **{evidence_field(s1.pk): text, evidence_field(s2.pk): text, "strengths": text})
    saved = save(auditor, ret, **{evidence_field(s1.pk): "Lives at home.", "improvements": "More visits."})

    assert evidence_history(saved, s1) == [f"Lives at {MARKER}.", "Lives at home."]
    assert evidence_history(saved, s2) == [text]
    assert return_history_of(saved, "strengths") == [text, text]
    assert evidence_history(other, s1) == [text]
    assert return_history_of(other, "strengths") == [text]


def queries_of(user, ret, layout, changes) -> int:
    fresh = load(ret.pk)
    with CaptureQueriesContext(connection) as captured:
        return_save_draft(user=user, ret=fresh, layout=layout, based_on_version=fresh.version, changes=changes)
    return len(captured)


def test_a_save_that_redacts_costs_a_fixed_number_of_queries(audit, auditor, ret, layout):
    """One UPDATE for the answers' history and one for the return's, however many fields and versions."""
    other = PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 2")
    flagged = f"Seen at {POSTCODE}, NHS {NHS}, phone {PHONE}."
    clean = "Seen at home."
    # Three versions of every field holding the details, on both returns.
    for target in (ret, other):
        for n in range(3):
            save(
                auditor,
                target,
                **complete(
                    layout,
                    **{evidence_field(s.pk): f"{flagged} ({n})" for s in layout.standards},
                    strengths=f"{flagged} ({n})",
                    improvements=f"{flagged} ({n})",
                ),
            )
    first = evidence_field(layout.standards[0].pk)
    kept = f"{flagged} (kept)"
    keeping = queries_of(auditor, ret, layout, {first: kept, "strengths": kept})
    one = queries_of(auditor, ret, layout, {first: clean, "strengths": clean})
    every = queries_of(
        auditor,
        other,
        layout,
        {**{evidence_field(s.pk): clean for s in layout.standards}, "strengths": clean, "improvements": clean},
    )
    # The same save keeping the details costs two queries fewer: the answers' history, the return's.
    assert one == every == keeping + 2

    for target in (ret, other):
        held = list(Answer.history.filter(part_a_return_id=target.pk).values_list("evidence", flat=True))
        held += return_history_of(target, "strengths")
        assert MARKER in "".join(held)
    every_row = list(Answer.history.filter(part_a_return_id=other.pk).values_list("evidence", flat=True))
    every_row += return_history_of(other, "strengths") + return_history_of(other, "improvements")
    assert not any(POSTCODE in row or NHS in row or PHONE in row for row in every_row)


def test_a_field_full_of_identifiers_is_redacted_in_one_go(auditor, ret, layout):
    """As many details as the longest text holds: one expression, not one nested call per detail."""
    s1 = layout.standards[0]
    field = evidence_field(s1.pk)
    numbers = [str(n) for n in range(1000000, 1000000 + 1200)]  # record numbers, 8 characters each
    text = " ".join(numbers)
    assert len(text) < 10000
    save(auditor, ret, **{field: text})
    saved = save(auditor, ret, **{field: "Numbers removed."})
    first = evidence_history(saved, s1)[0]
    assert first == " ".join([MARKER] * len(numbers))
