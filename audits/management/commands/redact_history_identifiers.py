"""Redact, in Part A history written before saves did it themselves, the possible identifiers an auditor
has since removed.

Since a save that removes a detail the identifier guard flags replaces it with a marker in every earlier
version of that field (audits.services.parta._redact_history), the history page and the version merge no
longer show it. History written before that still does: this command cleans it, per return, as such a
save would have, taking every detail the guard flags in any earlier value of a field (an answer's
evidence, the return's text fields) that the field's current value no longer holds.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from agencies.services import AccessAction, access_record
from audits.models import Answer, Audit, PartAReturn
from audits.selectors.parta import TEXT_FIELDS, evidence_field, guard_context, state_from, used_tool_layout
from audits.services.parta import REDACTED_REASON, _redact_history, identifiers_removed_since

# The access record of each return changed: what was done, never the details themselves.
SUMMARY = "%(ret)s: History: " + REDACTED_REASON + " (%(rows)d history rows, by redact_history_identifiers)"


@dataclass
class AuditTally:
    slug: str
    returns: int = 0
    rows: int = 0


def _holds(value: str, texts: list[str] | None) -> bool:
    return bool(texts) and any(text in value for text in texts)


def redact_return(ret_id: int, *, dry_run: bool) -> int:
    """Redact one return's earlier versions, under its row lock (so that no autosave writes a version in
    between); how many history rows it changed (with dry_run: would change, changing nothing). A fixed
    number of queries however long its history: the return, its answers, their history rows and its
    own (one query each, one row per distinct value), the published contacts, two UPDATEs and the
    access record (two more UPDATEs per extra answer a standard had, deleted since: none in practice)."""
    with transaction.atomic():
        ret = (
            PartAReturn.objects.select_for_update(of=("self",))
            .select_related("audit", "case", "agency", "tool_version")
            .filter(pk=ret_id, audit__purged_at__isnull=True)
            .first()
        )
        if ret is None:  # purged (or deleted) since it was listed: its history went with it
            return 0
        layout = used_tool_layout(ret.tool_version)
        current = state_from(layout, ret, list(Answer.objects.filter(part_a_return=ret)), [])

        # Every distinct earlier value, with how many history rows hold it.
        answer_values = list(
            Answer.history.filter(part_a_return_id=ret.pk)
            .order_by()
            .values("id", "standard_id", "evidence")
            .annotate(rows=Count("history_id"))
        )
        return_values = list(
            PartAReturn.history.filter(id=ret.pk).order_by().values(*TEXT_FIELDS).annotate(rows=Count("history_id"))
        )
        earlier: dict[str, set[str]] = defaultdict(set)
        answer_ids: dict[int, set[int]] = defaultdict(set)  # per standard: its answers' ids, in history
        for value in answer_values:
            if value["standard_id"] in layout.standards_by_id:
                earlier[evidence_field(value["standard_id"])].add(value["evidence"])
                answer_ids[value["standard_id"]].add(value["id"])
        for value in return_values:
            for name in TEXT_FIELDS:
                earlier[name].add(value[name])

        removed = identifiers_removed_since(layout, guard_context(ret), current, earlier)
        if not removed:
            return 0
        if dry_run:
            return sum(
                value["rows"]
                for value in answer_values
                if _holds(value["evidence"], removed.get(evidence_field(value["standard_id"])))
            ) + sum(
                value["rows"]
                for value in return_values
                if any(_holds(value[name], removed.get(name)) for name in TEXT_FIELDS)
            )

        # _redact_history takes one answer per standard: a standard whose answer was deleted and made again
        # has two in its history, redacted in a second pass (the return's own fields only in the first).
        ids = {standard_id: sorted(found) for standard_id, found in answer_ids.items()}
        changed, generation, fields = 0, 0, removed
        while True:
            answers = {
                standard_id: Answer(pk=found[generation], standard_id=standard_id)
                for standard_id, found in ids.items()
                if generation < len(found)
            }
            if not answers and generation:
                break
            changed += _redact_history(ret, layout, answers, fields)
            generation += 1
            fields = {name: texts for name, texts in removed.items() if name not in TEXT_FIELDS}
        if changed:
            access_record(action=AccessAction.CHANGE, obj=ret, summary=SUMMARY % {"ret": ret, "rows": changed})
        return changed


class Command(BaseCommand):
    help = (
        "Replace with '[removed: possible identifier]', in the Part A history written before saves did it, "
        "every detail the identifier guard flags that an auditor has since removed from the field (audits "
        "not purged). Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be redacted; change nothing.")
        parser.add_argument("--audit", metavar="SLUG", help="Only this audit's returns.")

    def handle(self, *args, dry_run: bool = False, audit: str | None = None, **options) -> None:
        audits = Audit.objects.all()
        if audit is not None:
            found = Audit.objects.filter(slug=audit).first()
            if found is None:
                raise CommandError(f"There is no audit with the slug {audit!r}.")
            if found.purged_at is not None:
                self.stdout.write(
                    f"{found.slug} was purged: its returns' history was deleted with its case-level detail."
                )
                return
            audits = audits.filter(pk=found.pk)
        audits = audits.filter(purged_at__isnull=True)
        returns = (
            PartAReturn.objects.filter(audit__in=audits)
            .order_by("audit__created_at", "audit_id", "pk")
            .values_list("pk", "audit__slug")
        )
        tallies: dict[str, AuditTally] = {}
        for slug in audits.order_by("created_at", "pk").values_list("slug", flat=True):
            tallies[slug] = AuditTally(slug)
        for ret_id, slug in returns:
            rows = redact_return(ret_id, dry_run=dry_run)
            if rows:
                tally = tallies.setdefault(slug, AuditTally(slug))  # an audit made since it was listed
                tally.returns += 1
                tally.rows += rows

        verb = "would be redacted" if dry_run else "redacted"
        for tally in tallies.values():
            if tally.rows:
                self.stdout.write(
                    f"{'Would redact' if dry_run else 'Redacted'} {tally.slug}: "
                    f"{tally.rows} history rows of {tally.returns} returns."
                )
            else:
                self.stdout.write(f"{tally.slug}: nothing to redact.")
        returns_total = sum(t.returns for t in tallies.values())
        rows_total = sum(t.rows for t in tallies.values())
        audits_total = sum(1 for t in tallies.values() if t.rows)
        self.stdout.write(
            f"Total: {rows_total} history rows of {returns_total} returns in {audits_total} of "
            f"{len(tallies)} audits {verb}" + (" (dry run: nothing was changed)." if dry_run else ".")
        )
