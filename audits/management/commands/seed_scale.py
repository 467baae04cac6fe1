from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audits.scale import DEFAULT_PASSWORD, DEFAULT_SEED, ScaleSpec, seed_scale


class Command(BaseCommand):
    help = (
        "Seed a production-shaped partnership for the benchmark: N completed audits (Part A, Part B, findings, "
        "recommendations, published briefings with PDFs) and audits open in Part A now. Idempotent and seeded: "
        "running it again creates nothing new. Users: scale.qa, scale.lead.<n>, scale.auditor.<n>, "
        "scale.manager.<n>, all with --password."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--audits", type=int, default=50, help="completed audits (default 50)")
        parser.add_argument("--agencies", type=int, default=15, help="agencies in every audit (default 15)")
        parser.add_argument("--cases", type=int, default=10, help="cases per audit (default 10)")
        parser.add_argument("--standards", type=int, default=40, help="standards in the audit tool (default 40)")
        parser.add_argument("--open", type=int, default=1, dest="open_audits", help="audits in Part A now (default 1)")
        parser.add_argument("--leads", type=int, default=5, help="lead officers, taking the audits in turn (default 5)")
        parser.add_argument("--versions", type=int, default=1, help="published versions per briefing edition")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="every scale user's password")
        parser.add_argument("--no-pdf", action="store_true", help="publish versions without rendering PDFs (queued)")

    def handle(self, *args, **options) -> None:
        for name in ("audits", "agencies", "cases", "standards", "open_audits", "leads", "versions"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_audits', '')} cannot be negative")
        if options["agencies"] < 1 or options["cases"] < 1 or options["standards"] < 1:
            raise CommandError("an audit needs at least one agency, one case and one standard")
        spec = ScaleSpec(
            audits=options["audits"],
            agencies=options["agencies"],
            cases=options["cases"],
            standards=options["standards"],
            open_audits=options["open_audits"],
            leads=max(1, options["leads"]),
            versions=max(1, options["versions"]),
            seed=options["seed"],
            password=options["password"],
            pdf=not options["no_pdf"],
        )
        verbose = options["verbosity"] > 1

        def progress(slug: str, seconds: float) -> None:
            if verbose:
                self.stdout.write(f"  {slug} ({seconds:.1f}s)")

        summary = seed_scale(spec, progress=progress)
        if connection.vendor == "postgresql":
            # As after any bulk load (PostgreSQL's "Populating a Database"): fresh planner
            # statistics now, rather than whenever autovacuum next gets to these tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for edition, pages in summary.pdf_pages.items():
            self.stdout.write(
                f"  rendered the {edition} PDF once: {pages} pages in {summary.pdf_seconds[edition]:.2f}s "
                "(its bytes are reused for every version of that edition)"
            )
        self.stdout.write(self.style.SUCCESS(f"Scale partnership seeded: {summary}"))
