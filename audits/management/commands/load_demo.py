from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audits.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo partnership: agencies, users (password 'demo'), the audit tool, two audits built from the "
        "seed briefings and Dudley's published practitioners' briefing. Safe to run again: it puts the demo back as "
        "it was and creates no duplicates."
    )

    def handle(self, *args, **options) -> None:
        # The demo users share a known password: never on a production start.
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError(
                "load_demo is refused: it creates users whose password is 'demo'. Set DEBUG=1 or DEMO=1."
            )
        # The briefings app builds on the audits: its part of the demo comes after theirs.
        from briefings.demo import publish_demo_briefings
        from briefings.models import RenderStatus

        summary = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Demo partnership loaded: {summary}"))
        for version in publish_demo_briefings():
            version.refresh_from_db()  # the demo renders on commit, in-process; elsewhere a worker does
            state = (
                f"its PDF is rendered ({version.pages} pages)"
                if version.status == RenderStatus.DONE
                else f"its PDF is {version.get_status_display().lower()}"
            )
            # By its title here (str(version) is how the access log names it: the edition and the audit).
            title = f"{version.briefing.title} v{version.number}"
            self.stdout.write(self.style.SUCCESS(f"Published {title}: {state}."))
