from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audits.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo partnership: agencies, users (password 'demo'), the audit tool and two audits built from the "
        "seed briefings. Safe to run again: it puts the demo back as it was and creates no duplicates."
    )

    def handle(self, *args, **options) -> None:
        # The demo users share a known password: never on a production start.
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError(
                "load_demo is refused: it creates users whose password is 'demo'. Set DEBUG=1 or DEMO=1."
            )
        summary = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Demo partnership loaded: {summary}"))
