from django.core.management.base import BaseCommand
from django.utils import timezone

from audits.services.retention import purge_expired


class Command(BaseCommand):
    help = "Remove case-level detail and free text of closed and cancelled audits past the retention period."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        results = purge_expired(dry_run=dry_run)
        if not results:
            self.stdout.write("No audit is past its retention period.")
        for result in results:
            if dry_run:
                audit = result.audit
                ended = "cancelled" if audit.cancelled_at else "closed"
                when = timezone.localtime(audit.cancelled_at or audit.closed_at)
                self.stdout.write(
                    f"Would purge: {audit.slug} ({ended} {when:%d %b %Y}): "
                    f"the texts of {result.returns} returns, the evidence of {result.answers} answers, "
                    f"the reasons of {result.judgements} consensus judgements, {result.risk_factors} risk factor "
                    f"flags, {result.session_notes} Part B session notes, {result.earlier_versions} earlier "
                    f"versions of findings and recommendations; "
                    f"{result.briefing_versions} published full report version(s) to be made again. "
                    f"Briefing drafts: the unpublished text of {result.draft_sections} section(s) to be removed. "
                    f"The unpublished title or audience of {result.draft_details} draft(s) to be set back."
                )
            else:
                self.stdout.write(
                    f"Purged {result.audit.slug}: {result.returns} returns, {result.answers} answers, "
                    f"{result.judgements} consensus judgements, {result.session_notes} Part B session notes, "
                    f"{result.earlier_versions} earlier versions of findings and recommendations, "
                    f"{result.briefing_versions} published full report version(s) to be made again. "
                    f"Briefing drafts: the unpublished text of {result.draft_sections} section(s) removed. "
                    f"The unpublished title or audience of {result.draft_details} draft(s) set back."
                )
