"""redact_history_identifiers: history written before saves redacted it (3c57d60) still held the possible
identifiers an auditor had removed; the command replaces them with the marker in every earlier version of
the field, as such a save would have. The history here is written as the saves before it wrote it: the
models saved directly, simple-history adding a row per save, nothing redacted."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessAction, AccessRecord, SupportContact
from audits.management.commands.redact_history_identifiers import redact_return
from audits.models import Answer, Audit, PartAReturn
from audits.services.parta import REDACTED_REASON
from audits.tests.parta_support import evidence_history, load, return_history_of

pytestmark = [pytest.mark.usefixtures("partnership")]

MARKER = "[removed: possible identifier]"
NHS = "943 476 5919"  # passes the modulus-11 check
POSTCODE = "BN1 1AA"
PHONE = "07700 900123"
MASH = "01273 290400"


def write(ret, standard=None, **fields):
    """One version as a save before 3c57d60 wrote it: the answer's evidence and the return's fields
    saved, each save adding its history row, no earlier version redacted."""
    if standard is not None:
        answer = Answer.objects.filter(part_a_return=ret, standard=standard).first()
        if answer is None:
            Answer.objects.create(part_a_return=ret, standard=standard, evidence=fields.pop("evidence"))
        else:
            answer.evidence = fields.pop("evidence")
            answer.save()
    ret = PartAReturn.objects.get(pk=ret.pk)
    for name, value in fields.items():
        setattr(ret, name, value)
    ret.version += 1
    ret.save()
    return ret


def everything(*rets) -> list:
    """Every history row of these returns and their answers, as stored."""
    ids = [r.pk for r in rets]
    return list(Answer.history.filter(part_a_return_id__in=ids).order_by("history_id").values()) + list(
        PartAReturn.history.filter(id__in=ids).order_by("history_id").values()
    )


def run(*args) -> str:
    out = StringIO()
    call_command("redact_history_identifiers", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def other(audit, auditor):
    """The auditor's return for Case 2 of the same audit."""
    return load(PartAReturn.objects.get(audit=audit, agency=auditor.agency, case__reference="Case 2").pk)


@pytest.fixture
def removed(ret, layout):
    """`ret` with the postcode and NHS number written in its first standard's evidence, and a phone
    number in its strengths, then taken out: three versions, the first two holding them."""
    s1 = layout.standards[0]
    write(ret, s1, evidence=f"Seen at home, {POSTCODE}; NHS {NHS}.", strengths=f"Mum rang on {PHONE}.")
    write(ret, s1, evidence=f"Seen at home, {POSTCODE}; NHS {NHS}. Strategy meeting held.")
    ret = write(ret, s1, evidence="Seen at home. Strategy meeting held.", strengths="Mum rang.")
    # Not vacuous: the history holds them before the command runs.
    assert evidence_history(ret, s1)[:2] == [
        f"Seen at home, {POSTCODE}; NHS {NHS}.",
        f"Seen at home, {POSTCODE}; NHS {NHS}. Strategy meeting held.",
    ]
    assert return_history_of(ret, "strengths")[-3:] == [f"Mum rang on {PHONE}.", f"Mum rang on {PHONE}.", "Mum rang."]
    return ret


def test_removed_identifiers_go_from_every_earlier_version_and_the_history_page(client_for, removed, layout):
    s1 = layout.standards[0]
    page = reverse("audits:return_history", args=[removed.pk])
    html = client_for("qa_manager").get(page).content.decode()
    assert POSTCODE in html and NHS in html and PHONE in html

    out = run()

    assert evidence_history(removed, s1) == [
        f"Seen at home, {MARKER}; NHS {MARKER}.",
        f"Seen at home, {MARKER}; NHS {MARKER}. Strategy meeting held.",
        "Seen at home. Strategy meeting held.",
    ]
    assert not any(PHONE in row for row in return_history_of(removed, "strengths"))
    assert return_history_of(removed, "strengths")[-3:] == [
        f"Mum rang on {MARKER}.",
        f"Mum rang on {MARKER}.",
        "Mum rang.",
    ]
    # The return and its answer as they are now are not touched.
    fresh = load(removed.pk)
    assert fresh.strengths == "Mum rang." and fresh.version == removed.version
    assert Answer.objects.get(part_a_return=removed).evidence == "Seen at home. Strategy meeting held."
    # Two answer rows and two return rows.
    assert "Redacted cse-audit: 4 history rows of 1 returns." in out
    assert "Total: 4 history rows of 1 returns in 1 of 1 audits redacted." in out

    html = client_for("qa_manager").get(page).content.decode()
    assert MARKER in html and "Strategy meeting held." in html
    assert POSTCODE not in html and NHS not in html and PHONE not in html


def test_a_kept_identifier_a_published_contact_and_other_fields_stay(partnership, ret, layout):
    SupportContact.objects.create(partnership=partnership, name="MASH", phone=MASH, email="", description="")
    s1, s2, s3 = layout.standards[:3]
    write(ret, s1, evidence=f"Lives at {POSTCODE}; NHS {NHS}.")
    write(ret, s2, evidence=f"Referred to the MASH on {MASH}; mum's mobile {PHONE}.")
    write(ret, s3, evidence=f"Lives at {POSTCODE}.", improvements=f"Call {PHONE} back.")
    write(ret, s1, evidence=f"Lives at {POSTCODE}.")
    ret = write(ret, s2, evidence="Referred to the MASH.")
    assert NHS in evidence_history(ret, s1)[0] and PHONE in evidence_history(ret, s2)[0]

    run()

    assert evidence_history(ret, s1) == [f"Lives at {POSTCODE}; NHS {MARKER}.", f"Lives at {POSTCODE}."]
    assert evidence_history(ret, s2) == [
        f"Referred to the MASH on {MASH}; mum's mobile {MARKER}.",
        "Referred to the MASH.",
    ]
    # Still in the field now: kept, in this field and the other.
    assert evidence_history(ret, s3) == [f"Lives at {POSTCODE}."]
    assert set(return_history_of(ret, "improvements")) == {"", f"Call {PHONE} back."}


def test_another_return_and_another_audit_are_left_alone(removed, other, other_audit, layout):
    s1 = layout.standards[0]
    # The same details, still in the other return's field: not removed there.
    write(other, s1, evidence=f"Seen at home, {POSTCODE}; NHS {NHS}.", strengths=f"Mum rang on {PHONE}.")
    elsewhere = PartAReturn.objects.filter(audit=other_audit).first()
    standard = elsewhere.tool_version.sections.first().standards.first()
    write(elsewhere, standard, evidence=f"Lives at {POSTCODE}.")
    write(elsewhere, standard, evidence="Lives at home.")
    untouched = everything(other)

    out = run("--audit", "cse-audit")

    assert MARKER in "".join(evidence_history(removed, s1))
    assert everything(other) == untouched
    assert evidence_history(other, s1) == [f"Seen at home, {POSTCODE}; NHS {NHS}."]
    # Not the audit asked for.
    assert evidence_history(elsewhere, standard) == [f"Lives at {POSTCODE}.", "Lives at home."]
    assert "neglect-audit" not in out

    out = run()
    assert evidence_history(elsewhere, standard) == [f"Lives at {MARKER}.", "Lives at home."]
    assert "Redacted neglect-audit: 1 history rows of 1 returns." in out
    assert "cse-audit: nothing to redact." in out
    assert everything(other) == untouched


def test_dry_run_changes_and_records_nothing_but_says_what_it_would(removed):
    before = everything(removed)
    records = AccessRecord.objects.count()

    out = run("--dry-run")

    assert everything(removed) == before
    assert AccessRecord.objects.count() == records
    assert "Would redact cse-audit: 4 history rows of 1 returns." in out
    assert "(dry run: nothing was changed)" in out
    # What it said is what a run then does.
    assert "Redacted cse-audit: 4 history rows of 1 returns." in run()


def test_a_second_run_changes_nothing(removed, layout):
    assert "Redacted cse-audit: 4 history rows of 1 returns." in run()
    after = everything(removed)
    assert MARKER in evidence_history(removed, layout.standards[0])[0]
    records = AccessRecord.objects.count()

    out = run()

    assert everything(removed) == after
    assert AccessRecord.objects.count() == records
    assert "cse-audit: nothing to redact." in out
    assert "Total: 0 history rows of 0 returns in 0 of 1 audits redacted." in out


def test_a_purged_audit_is_skipped(removed, audit):
    # Its purge deletes the history; marked purged here with the history still there, to show it is not read.
    Audit.objects.filter(pk=audit.pk).update(purged_at=timezone.now())
    before = everything(removed)

    out = run()
    assert everything(removed) == before
    assert "cse-audit" not in out and "in 0 of 0 audits" in out

    out = run("--audit", "cse-audit")
    assert everything(removed) == before
    assert "cse-audit was purged" in out

    # The same history, the audit not purged: redacted.
    Audit.objects.filter(pk=audit.pk).update(purged_at=None)
    assert "Redacted cse-audit: 4 history rows of 1 returns." in run()
    assert everything(removed) != before


def test_an_unknown_audit_is_refused_with_a_message(removed):
    before = everything(removed)
    with pytest.raises(CommandError, match="no audit with the slug 'no-such-audit'"):
        run("--audit", "no-such-audit")
    assert everything(removed) == before


def test_one_access_record_per_return_changed_without_the_identifiers(removed, other, layout):
    s1 = layout.standards[0]
    write(other, s1, evidence=f"Lives at {POSTCODE}.")
    write(other, s1, evidence="Lives at home.")
    write(removed, s1, evidence="Seen at home. Strategy meeting held. Nothing more.")  # a fourth version

    run()

    records = AccessRecord.objects.filter(summary__contains=REDACTED_REASON).order_by("object_id")
    assert [(r.object_id, r.action, r.audit_id) for r in records] == sorted(
        [(str(r.pk), AccessAction.CHANGE, r.audit_id) for r in (removed, other)]
    )
    assert all(r.user is None for r in records)
    assert "History: " + REDACTED_REASON in records[0].summary
    for detail in (POSTCODE, NHS, PHONE):
        assert not AccessRecord.objects.filter(summary__contains=detail).exists()


def test_an_answer_deleted_and_made_again_has_its_old_history_redacted(ret, layout):
    s1 = layout.standards[0]
    write(ret, s1, evidence=f"NHS {NHS}.")
    Answer.objects.get(part_a_return=ret, standard=s1).delete()
    write(ret, s1, evidence=f"NHS {NHS}, seen.")
    ret = write(ret, s1, evidence="Seen.")
    assert sum(NHS in row for row in evidence_history(ret, s1)) == 3

    run()

    assert evidence_history(ret, s1) == [f"NHS {MARKER}.", f"NHS {MARKER}.", f"NHS {MARKER}, seen.", "Seen."]


def queries_of(ret) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        rows = redact_return(ret.pk, dry_run=False)
    return len(captured), rows


def test_queries_per_return_do_not_grow_with_its_history(ret, other, layout):
    """Each return's history is read in one query per table, whatever its length."""
    s1, s2, s3 = layout.standards[:3]
    write(ret, s1, evidence=f"Lives at {POSTCODE}.", strengths=f"Call {PHONE}.")
    write(ret, s1, evidence="Lives at home.", strengths="Called.")
    for n in range(6):
        for standard in (s1, s2, s3):
            write(other, standard, evidence=f"Lives at {POSTCODE} ({n}).", strengths=f"Call {PHONE} ({n}).")
    for standard in (s1, s2, s3):
        write(other, standard, evidence="Lives at home.", strengths="Called.")
    assert sum(POSTCODE in row for row in evidence_history(other, s1)) == 6
    run("--dry-run")  # the tool's layout, read once per process

    few, few_rows = queries_of(ret)
    many, many_rows = queries_of(other)
    assert (few_rows, many_rows) == (2, 18 + 18)
    assert few == many
