"""Fixtures of the search tests: the search function's client, the known data set and a
small projected platform (the data: tests/support/search_data.py)."""

from __future__ import annotations

import pytest

from tests.support.search_data import KNOWN, PLATFORM, project, put, search_client


@pytest.fixture
def known(sql):
    """The known data set; name -> seq."""
    return {name: put(sql, type_, data, time=time, received_at=received, subject=subject,
                      source=source)
            for name, type_, subject, time, received, data, source in KNOWN}


@pytest.fixture
def search(db_url):
    return search_client()


@pytest.fixture
def platform(db_url):
    """A small platform, projected by the real handlers: id -> seq."""
    return project(PLATFORM)
