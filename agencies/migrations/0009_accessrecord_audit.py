"""The audit an access record is about. A new column, NULL for the records written before it: the
append-only trigger (0002) is not touched, as adding a column updates no row. Its index comes in 0010,
built without blocking the writes every page makes to the log."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_outbox_done_at"),
        ("audits", "0006_insightreport_queued_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrecord",
            name="audit",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="audits.audit",
            ),
        ),
    ]
