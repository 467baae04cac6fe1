from celery import shared_task


@shared_task(name="agencies.tasks.flush_outbox")
def flush_outbox() -> int:
    """Periodic: publish the tasks that could not be queued while the broker was down."""
    from .outbox import outbox_flush

    return outbox_flush()
