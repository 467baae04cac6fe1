"""The access log's audit filter has its index, built by migration 0010 (CONCURRENTLY on PostgreSQL, so
that building it never blocks the writes every page makes to the log) and valid."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_access_records_audit_is_indexed_and_the_index_is_valid():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'agencies_accessrecord_audit'"
        )
        [(valid, definition)] = cursor.fetchall()
    assert valid
    assert definition.endswith("ON public.agencies_accessrecord USING btree (audit_id)")
