"""Infrastructure tests: PostgreSQL, Redis, the Celery worker and Chromium are real.

The fixtures live in tests/fixtures_services.py and tests/fixtures_browser.py, so that every app's
tests can use them: the root conftest.py loads them with

    pytest_plugins = ["tests.fixtures_services", "tests.fixtures_browser"]

and `make test` also passes them to pytest with -p.
"""
