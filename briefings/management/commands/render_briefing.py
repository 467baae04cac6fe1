"""Render a briefing's current draft to a PDF file, synchronously: for scripting and benchmarks.

    python manage.py render_briefing --audit dudley-cse-2017 --edition managers --output briefing.pdf

The draft is made from the audit's findings first if the edition has not been started.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits.models import Audit
from briefings.content import build_content
from briefings.models import Briefing, Edition
from briefings.rendering import render_pdf
from briefings.services import BriefingError, briefing_create


class Command(BaseCommand):
    help = "Render the current draft of one edition of an audit's briefing to a PDF file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--audit", required=True, help="the audit's id or slug")
        parser.add_argument("--edition", required=True, choices=Edition.values)
        parser.add_argument("--output", required=True, help="where to write the PDF ('-' for standard output)")

    def handle(self, *args, audit: str, edition: str, output: str, **options) -> None:
        lookup = {"pk": int(audit)} if audit.isdigit() else {"slug": audit}
        found = Audit.objects.select_related("theme").filter(**lookup).first()
        if found is None:
            raise CommandError(f"No audit with id or slug {audit!r}.")
        briefing = Briefing.objects.filter(audit=found, edition=edition).first()
        if briefing is None:
            try:
                briefing = briefing_create(audit=found, edition=edition, user=None)
            except BriefingError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(f"Drafted the {edition} edition from the audit's findings.")
        result = render_pdf(build_content(briefing))
        if output == "-":
            sys.stdout.buffer.write(result.pdf)
        else:
            Path(output).write_bytes(result.pdf)
        if result.refused:
            self.stderr.write(self.style.WARNING(f"Refused to fetch: {', '.join(result.refused)}"))
        self.stderr.write(
            f"{output}: {result.pages} pages, {len(result.pdf) / 1024:.0f} KiB, "
            f"{result.seconds * 1000:.0f} ms ({result.seconds * 1000 / max(result.pages, 1):.0f} ms per page)"
        )
