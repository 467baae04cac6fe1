"""Celery tasks that exist only for the infrastructure tests.

The test worker imports this module (`celery worker --include tests.tasks`); the application's
own worker never does.
"""

from auditportal.celery import app


@app.task(name="tests.tasks.create_group")
def create_group(name: str) -> str:
    """Leave a trace in the database the worker is connected to."""
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name=name)
    return name
