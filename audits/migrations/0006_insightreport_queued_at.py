from django.db import migrations, models
from django.db.models import F


def queued_when_asked_for(apps, schema_editor):
    # A report asked for before queued_at was kept was queued when it was asked for: the sweep
    # (insight_reports_requeue_stalled) picks up one still queued from that time.
    InsightReport = apps.get_model("audits", "InsightReport")
    InsightReport.objects.filter(queued_at__isnull=True).update(queued_at=F("requested_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0005_partb_session_chair_and_others"),
    ]

    operations = [
        migrations.AddField(
            model_name="insightreport",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(queued_when_asked_for, migrations.RunPython.noop, elidable=True),
    ]
