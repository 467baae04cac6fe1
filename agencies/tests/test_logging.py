"""The log: one line per message with its time, level, process and logger; no traceback for every
request with a wrong Host header."""

import logging
import re

from agencies.tests.test_settings import start_django

LOG_TO_STDERR = "import django, logging; django.setup(); logging.getLogger('audits.tasks').warning('a reminder failed')"


def test_a_log_line_has_the_time_level_process_and_logger():
    result = start_django(LOG_TO_STDERR, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING \[\d+\] audits\.tasks: a reminder failed\n", result.stderr
    ), result.stderr


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_wrong_host_is_answered_400_without_a_traceback_in_the_log(client, db):
    # On the root logger, beside the console handler (pytest's caplog would also listen to the
    # logger that is silenced, so it cannot tell).
    root, collect = logging.getLogger(), Collect()
    root.addHandler(collect)
    try:
        response = client.get("/", HTTP_HOST="elsewhere.example")
    finally:
        root.removeHandler(collect)
    assert response.status_code == 400
    assert [r.getMessage() for r in collect.records if r.name.startswith("django.security")] == []
