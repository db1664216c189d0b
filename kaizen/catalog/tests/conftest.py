"""Catalogue test data on top of the shared personas in kaizen/conftest.py."""

import pytest

from kaizen.testing import make_service, make_user


@pytest.fixture
def owner(db):
    """Olga: an agent with no process role who owns the Mail service."""
    return make_user("olga", first_name="Olga", last_name="Owner")


@pytest.fixture
def mail(owner):
    return make_service(
        "Mail",
        slug="mail",
        owner=owner,
        category="Collaboration",
        summary="Mailboxes and calendars",
        features="Shared mailboxes\n- Calendars",
    )


@pytest.fixture
def pipeline_service(db):
    return make_service("Data Lake", slug="data-lake", lifecycle="pipeline")


@pytest.fixture
def private_service(db):
    """Live but technical and not public: agents only."""
    return make_service("Kubernetes", slug="kubernetes", service_type="technical", is_public=False)
