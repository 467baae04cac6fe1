"""The index on the access records' audit, for the access log's audit filter. On PostgreSQL it is built
CONCURRENTLY (outside a transaction): the log is the largest table and every page writes to it, and a
plain CREATE INDEX would block those writes until it is built. Elsewhere (the demo's SQLite) a plain
index."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("agencies", "0009_accessrecord_audit")]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="accessrecord",
            index=models.Index(fields=["audit"], name="agencies_accessrecord_audit"),
        ),
    ]
