"""Personas shared by every app's tests (Healthchecks-style: named people, not anonymous rows)."""

import pytest
from rest_framework.test import APIClient

from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, UserKind
from kaizen.testing import make_user, restore_seeded_rows


@pytest.fixture
def requester(db):
    """Rita: an employee who uses services and the portal."""
    return make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", last_name="Requester")


@pytest.fixture
def agent(db):
    """Alan: a service desk agent with no process leadership."""
    user = make_user("alan", first_name="Alan", last_name="Agent")
    people_services.do_grant_process_role(user, Process.INCIDENT, Role.PRACTITIONER, actor=None)
    return user


@pytest.fixture
def catalog_manager(db):
    """Cara: manages the service catalogue."""
    user = make_user("cara", first_name="Cara", last_name="Catalogue")
    people_services.do_grant_process_role(user, Process.CATALOG, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def change_manager(db):
    """Chen: change manager (maintains CIs along with the catalogue team)."""
    user = make_user("chen", first_name="Chen", last_name="Change")
    people_services.do_grant_process_role(user, Process.CHANGE, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def problem_manager(db):
    """Pia: problem manager (owns problems' lifecycle and the known-error database)."""
    user = make_user("pia", first_name="Pia", last_name="Problem")
    people_services.do_grant_process_role(user, Process.PROBLEM, Role.MANAGER, actor=None)
    return user


@pytest.fixture
def admin_user(db):
    """Ada: administrator."""
    return make_user("ada", first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)


def _set_journal_purge_permit(granted: bool) -> None:
    """On PostgreSQL the permit counts only for a role that can act as the journal table's
    owner (journal migration 0005): the suite connects as the role that migrated its database."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('kaizen.journal_purge', %s, false)", ["on" if granted else "off"]
            )
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM journal_purge_permit")
            if granted:
                cursor.execute("INSERT INTO journal_purge_permit (granted) VALUES (1)")


@pytest.fixture(autouse=True)
def _journal_purge_between_transactional_tests(request):
    """Transactional tests end with Django flushing every table; the journal's triggers refuse
    that, so the permit is granted only for that flush and withdrawn as each test starts."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not (marker or transactional or "db" in request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    _set_journal_purge_permit(False)
    if transactional:
        restore_seeded_rows()
    yield
    if transactional:
        _set_journal_purge_permit(True)


@pytest.fixture
def web(client):
    """`web(user)`: the Django test client signed in as `user`."""

    def signed_in(user):
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def api():
    """`api(user)`: a DRF client authenticated as `user`; `api()` is anonymous."""

    def authenticated(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return authenticated


@pytest.fixture(autouse=True)
def analytics_store(tmp_path, settings):
    """Each test gets its own, empty analytics store (a DuckDB file under its tmp_path)."""
    settings.KAIZEN_ANALYTICS_PATH = tmp_path / "analytics.duckdb"
    return settings.KAIZEN_ANALYTICS_PATH
