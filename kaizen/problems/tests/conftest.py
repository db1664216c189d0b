"""Fixtures of the problem tests (each part keeps its own module of them)."""

from kaizen.problems.tests.known_error_fixtures import (  # noqa: F401
    gateway,
    known_error,
    problem,
    problem_manager,
    vpn,
)
