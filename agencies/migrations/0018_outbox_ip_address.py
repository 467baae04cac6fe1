from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0017_outbox_skipped"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
    ]
