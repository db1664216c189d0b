"""Fixtures of the problem tests (each part keeps its own module of them)."""

import pytest

from kaizen.problems.suggestions import forget_index
from kaizen.problems.tests.known_error_fixtures import (  # noqa: F401
    gateway,
    known_error,
    problem,
    vpn,
)


@pytest.fixture(autouse=True)
def _fresh_suggestion_index():
    forget_index()
    yield
    forget_index()
