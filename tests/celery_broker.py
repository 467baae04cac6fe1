"""Point this process's Celery publishing at another broker for a while (a dead one, or a private one)."""

from collections.abc import Iterator
from contextlib import contextmanager

from kombu import pools

from auditportal.celery import app


def _drop_pools() -> None:
    # kombu keeps connection and producer pools in process-wide registries keyed by the broker's
    # address; a pool closed while still registered breaks every later publish or control ping.
    # Dropping them all makes the next use open fresh pools for whatever broker is configured.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def publish_to(url: str) -> Iterator[None]:
    # broker_write_url, not broker_url: a CELERY_BROKER_URL in the environment (make test sets
    # one) takes precedence over broker_url, but not over broker_write_url, which publishing and
    # control messages use.
    saved = (app.conf.broker_write_url, app.conf.task_always_eager)
    _drop_pools()
    app.conf.broker_write_url = url
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.broker_write_url, app.conf.task_always_eager = saved
        _drop_pools()
