"""The app's page fixtures, shared with tests/test_pages.py: a checked demo database and a private copy of it."""

from tests.test_pages import checked_demo, db  # noqa: F401  (pytest finds fixtures by name)
