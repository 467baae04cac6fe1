"""Make the access log append-only in the database itself.

On PostgreSQL a trigger refuses every UPDATE and DELETE of a row of agencies_accessrecord, whichever role
the application connects as, so neither a bug nor a compromised web process can rewrite who saw what.
(TRUNCATE, a table owner's operation, is left to the database owner: test database flushes use it.)
The SQLite demo relies on AccessRecord.save(), which refuses updates.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION agencies_accessrecord_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'agencies_accessrecord is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agencies_accessrecord_append_only
    BEFORE UPDATE OR DELETE ON agencies_accessrecord
    FOR EACH ROW EXECUTE FUNCTION agencies_accessrecord_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS agencies_accessrecord_append_only ON agencies_accessrecord;
DROP FUNCTION IF EXISTS agencies_accessrecord_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
