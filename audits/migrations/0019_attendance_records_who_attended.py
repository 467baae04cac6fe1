"""Each Part B attendance records the person it was recorded for (Attendance.attendee), so that the record
of the session keeps naming them when the agency's auditor is changed afterwards. The attendance already
recorded is filled with the name of the agency's auditor now, the best the database knows: their full
name, or their username when the account has no name (blank when no auditor is named)."""

from django.db import migrations, models


def fill_attendee(apps, schema_editor):
    Attendance = apps.get_model("audits", "Attendance")
    rows = list(Attendance.objects.select_related("participant__auditor").filter(participant__auditor__isnull=False))
    for row in rows:
        auditor = row.participant.auditor
        row.attendee = f"{auditor.first_name} {auditor.last_name}".strip()[:200] or auditor.username
    Attendance.objects.bulk_update(rows, ["attendee"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0018_insight_report_findings_audit_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendance",
            name="attendee",
            field=models.CharField(blank=True, max_length=200, verbose_name="attendee"),
        ),
        migrations.RunPython(fill_attendee, migrations.RunPython.noop),
    ]
