from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0016_outbox_failed"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="skipped",
            field=models.BooleanField(default=False, db_default=False),
        ),
    ]
