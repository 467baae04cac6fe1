"""What the benchmark asks for, read from the seeded database: printed as one JSON object.

    python -m benchmarks.targets

Run by benchmarks/run.py in the benchmark's environment (DATABASE_URL etc.), after seed_scale.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def targets() -> dict:
    from django.conf import settings
    from django.urls import reverse

    from audits.models import Audit, AuditStatus, PartAReturn, ReturnStatus
    from audits.scale import QA_USERNAME, auditor_username, manager_username, open_audit_slug
    from briefings.models import BriefingVersion, Edition, RenderStatus

    auditor, manager = auditor_username(1), manager_username(1)
    drafts = list(
        PartAReturn.objects.filter(
            audit__slug=open_audit_slug(1), agency__staff__username=auditor, status=ReturnStatus.DRAFT
        )
        .select_related("tool_version")
        .order_by("case__order")
    )
    if len(drafts) < 2:
        raise SystemExit("the seed has fewer than two drafts for the auditor: seed at least 5 cases")
    first_standard = {
        ret.pk: ret.tool_version.sections.order_by("order").first().standards.order_by("order").first().pk
        for ret in drafts
    }
    reported = (
        Audit.objects.filter(slug__startswith="scale-audit-", status__in=[AuditStatus.REPORTING, AuditStatus.CLOSED])
        .order_by("-created_at")
        .first()
    )
    case = reported.cases.order_by("order").first()
    version = (
        BriefingVersion.objects.filter(
            briefing__audit=reported, briefing__edition=Edition.MANAGERS, status=RenderStatus.DONE
        )
        .order_by("-number")
        .first()
    )
    manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    static_css = settings.STATIC_URL + manifest["paths"]["css/app.css"]

    from django_otp.plugins.otp_totp.models import TOTPDevice

    keys = dict(
        TOTPDevice.objects.filter(user__username__in=[QA_USERNAME, auditor, manager], confirmed=True).values_list(
            "user__username", "key"
        )
    )
    return {
        "users": {"qa": QA_USERNAME, "auditor": auditor, "manager": manager},
        "totp_keys": keys,
        "pages": [
            # (name, user, method, path): the order of the table.
            ["static file", None, "GET", static_css],
            ["trivial view (/healthz)", None, "GET", reverse("healthz")],
            ["My returns", "auditor", "GET", reverse("audits:my_returns")],
            ["Part A form", "auditor", "GET", reverse("audits:return_detail", args=[drafts[0].pk])],
            ["autosave (POST JSON)", "auditor", "POST", "autosave"],
            ["progress dashboard", "qa", "GET", reverse("audits:dashboard", args=[open_audit_slug(1)])],
            ["evidence board", "qa", "GET", reverse("audits:evidence_board", args=[reported.slug, case.pk])],
            ["findings", "qa", "GET", reverse("audits:findings", args=[reported.slug])],
            ["briefings library", "manager", "GET", reverse("briefings:library")],
            ["briefing download (PDF)", "manager", "GET", reverse("briefings:download", args=[version.pk])],
        ],
        # Each autosave connection types into a return of its own, from the version it has now.
        "autosave": [
            {
                "path": reverse("audits:return_autosave", args=[ret.pk]),
                "version": ret.version,
                "field": f"s{first_standard[ret.pk]}-evidence",
            }
            for ret in drafts[:2]
        ],
        "download_bytes": version.file_size,
    }


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditportal.settings")
    import django

    django.setup()
    print(json.dumps(targets()))


if __name__ == "__main__":
    main()
