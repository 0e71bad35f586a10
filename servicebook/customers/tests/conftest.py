"""Fixtures for the customers tests."""

from __future__ import annotations

import pytest

from servicebook.core.testing.factories import make_user


@pytest.fixture
def rep(db):
    """A tier-I representative: edits accounts, cannot pin alerts."""
    return make_user("rep1")


@pytest.fixture
def supervisor(db):
    return make_user("supervisor")
