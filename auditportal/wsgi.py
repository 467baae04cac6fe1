import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditportal.settings")
application = get_wsgi_application()


def _load_and_freeze() -> None:
    """Load what every request uses (the URLconf with every view module, the base templates), then
    move all these long-lived objects out of the garbage collector's sight (gc.freeze).

    Otherwise each full collection scans them all: about 150,000 objects, which took 70 ms in the
    middle of a Part A form or evidence board request (benchmarks/README.md). Frozen, a full
    collection scans only what requests create and takes about 5 ms. Nothing frozen is ever
    collected, so this is done once, at start-up, and only with objects that live as long as the
    process anyway.
    """
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and with it every view
    for name in ("base.html", "includes/nav.html", "includes/messages.html"):
        get_template(name)
    gc.collect()
    gc.freeze()


_load_and_freeze()
