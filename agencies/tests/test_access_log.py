import pytest
from django.db import DatabaseError, connection, transaction

from agencies.models import AccessAction, AccessRecord
from agencies.services import access_record


def test_access_record_names_who_what_and_where(rf, auditor):
    request = rf.get("/audits/returns/1/", REMOTE_ADDR="192.0.2.7")
    request.user = auditor
    record = access_record(request=request, action=AccessAction.VIEW, object_type="audits.partareturn", object_id="1")
    assert (record.username, record.action, record.path, record.ip_address) == (
        "auditor.a",
        "view",
        "/audits/returns/1/",
        "192.0.2.7",
    )


def test_model_refuses_to_update_a_record(db):
    record = access_record(action=AccessAction.VIEW, object_type="x", object_id="1")
    record.summary = "rewritten"
    with pytest.raises(ValueError):
        record.save()


@pytest.mark.parametrize(
    "sql",
    ["UPDATE agencies_accessrecord SET summary = 'rewritten'", "DELETE FROM agencies_accessrecord"],
)
def test_database_refuses_update_and_delete(db, sql):
    access_record(action=AccessAction.VIEW, object_type="x", object_id="1", summary="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessRecord.objects.get().summary == "original"


def test_queryset_update_is_refused_too(db):
    # The suite runs on PostgreSQL (make test), where the trigger of migration 0002 lives.
    assert connection.vendor == "postgresql"
    access_record(action=AccessAction.VIEW, object_type="x", object_id="1", summary="original")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessRecord.objects.update(summary="rewritten")
    assert AccessRecord.objects.get().summary == "original"
