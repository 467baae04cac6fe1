"""Logging helpers named in settings.LOGGING."""

import logging


class OneLineWarning(logging.Filter):
    """Passes a record on as one line at WARNING: no traceback, whatever level it was logged at.

    For django.security.DisallowedHost, whose message says it all ("Invalid HTTP_HOST header: …")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
