"""No lost update on any editable record, and the journal still equals the data afterwards.

Each kind of record is edited twice from the same read: two people changing *different* fields.
Through the services with a stale instance and through the API from two threads at once, the
second edit is refused with a version conflict (nothing is silently lost); an edit without a
version (the system's) applies to the current row, never to the caller's stale copy. The
update writes only the changed columns. After each test, folding the journal gives the data.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from kaizen.catalog import services as catalog
from kaizen.improvement import services as improvement
from kaizen.improvement.tests.helpers import make_initiative
from kaizen.journal.tracking import VersionConflict
from kaizen.journal.verify import verify_journal
from kaizen.kpis import services as kpi_services
from kaizen.kpis.tests.helpers import make_custom_kpi
from kaizen.people import services as people
from kaizen.sla import services as sla
from kaizen.sla.tests.config_helpers import make_calendar, make_definition
from kaizen.testing import (
    database_for_threads,
    in_thread,
    make_ci,
    make_offering,
    make_service,
    make_team,
    make_user,
)


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable[[], Any]
    update: Callable[..., Any]
    url: Callable[[Any], str]
    # Two edits of different fields: (field, new value) each; `columns` are the columns the
    # first edit's UPDATE may set (the field, the version, and updated_at where there is one).
    first: tuple[str, Any]
    second: tuple[str, Any]
    columns: frozenset[str]


KINDS = [
    Kind(
        "service",
        lambda: make_service("Mail", slug="mail"),
        catalog.do_update_service,
        lambda record: f"/api/v1/services/{record.slug}/",
        ("summary", "Email for all"),
        ("category", "Collaboration"),
        frozenset({"summary", "version", "updated_at"}),
    ),
    Kind(
        "offering",
        lambda: make_offering(make_service("Mail", slug="mail"), "Shared mailbox"),
        catalog.do_update_offering,
        lambda record: f"/api/v1/offerings/{record.pk}/",
        ("description", "A mailbox for a team"),
        ("availability_hours", "24x7"),
        frozenset({"description", "version"}),
    ),
    Kind(
        "configuration item",
        lambda: make_ci("db-01"),
        catalog.do_update_ci,
        lambda record: f"/api/v1/cis/{record.pk}/",
        ("status", "maintenance"),
        ("location", "DC2"),
        frozenset({"status", "version", "updated_at"}),
    ),
    Kind(
        "person",
        lambda: make_user("nina", first_name="Nina"),
        people.do_update_user,
        lambda record: f"/api/v1/users/{record.pk}/",
        ("job_title", "Analyst"),
        ("department", "IT"),
        frozenset({"job_title", "version"}),
    ),
    Kind(
        "team",
        lambda: make_team("Network"),
        people.do_update_team,
        lambda record: f"/api/v1/teams/{record.slug}/",
        ("description", "Routers and switches"),
        ("email", "net@example.com"),
        frozenset({"description", "version"}),
    ),
    Kind(
        "calendar",
        lambda: make_calendar(),
        sla.do_update_calendar,
        lambda record: f"/api/v1/calendars/{record.slug}/",
        ("description", "London office"),
        ("name", "UK office hours (London)"),
        frozenset({"description", "version", "updated_at"}),
    ),
    Kind(
        "SLA definition",
        lambda: make_definition(make_calendar()),
        sla.do_update_sla_definition,
        lambda record: f"/api/v1/sla-definitions/{record.pk}/",
        ("target_minutes", 240),
        ("order", 10),
        frozenset({"target_minutes", "version", "updated_at"}),
    ),
    Kind(
        "improvement initiative",
        lambda: make_initiative(owner=make_user("ivan", first_name="Ivan")),
        improvement.do_update_initiative,
        lambda record: f"/api/v1/initiatives/{record.pk}/",
        ("priority", 1),
        ("justification", "Callers wait a working day"),
        frozenset({"priority", "version", "updated_at"}),
    ),
    Kind(
        "custom KPI",
        lambda: make_custom_kpi(),
        kpi_services.do_save_custom_kpi,
        lambda record: f"/api/v1/custom-kpis/{record.key}/",
        ("target", 2.0),
        ("description", "Median hours to resolve a P1 incident."),
        frozenset({"target", "version", "updated_at"}),
    ),
]


def kinds() -> Any:
    return pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])


def fresh(record: Any) -> Any:
    return type(record).objects.get(pk=record.pk)


def assert_journal_matches_data() -> None:
    mismatches = [str(m) for report in verify_journal() for m in report.mismatches]
    assert mismatches == []


@kinds()
@pytest.mark.django_db
def test_a_stale_edit_of_another_field_is_refused_and_nothing_is_lost(kind: Kind) -> None:
    record = kind.make()
    (first_field, first_value), (second_field, second_value) = kind.first, kind.second
    untouched = getattr(record, second_field)
    mine, theirs = fresh(record), fresh(record)
    kind.update(mine, actor=None, expected_version=1, **{first_field: first_value})
    with pytest.raises(VersionConflict) as caught:
        kind.update(theirs, actor=None, expected_version=1, **{second_field: second_value})
    assert caught.value.current_version == 2
    assert "version 2, you had version 1" in str(caught.value)
    stored = fresh(record)
    assert getattr(stored, first_field) == first_value
    assert getattr(stored, second_field) == untouched
    assert stored.version == 2
    assert_journal_matches_data()


@kinds()
@pytest.mark.django_db
def test_an_edit_without_a_version_applies_to_the_current_row(kind: Kind) -> None:
    """The system (importers, the demo loader) sends no version: its stale copy must still not
    write back what another edit changed in between."""
    record = kind.make()
    (first_field, first_value), (second_field, second_value) = kind.first, kind.second
    mine, theirs = fresh(record), fresh(record)
    kind.update(mine, actor=None, **{first_field: first_value})
    returned = kind.update(theirs, actor=None, **{second_field: second_value})
    stored = fresh(record)
    assert (getattr(stored, first_field), getattr(stored, second_field)) == (
        first_value,
        second_value,
    )
    assert stored.version == 3
    # The caller's copy shows what was saved, the other edit included.
    assert (getattr(returned, first_field), returned.version) == (first_value, 3)
    assert_journal_matches_data()


@kinds()
@pytest.mark.django_db
def test_the_update_writes_only_the_changed_columns(kind: Kind) -> None:
    record = kind.make()
    field, value = kind.first
    table = type(record)._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        kind.update(fresh(record), actor=None, expected_version=1, **{field: value})
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}" SET')]
    assert len(updates) == 1
    assigned = updates[0].split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert set(re.findall(r'"(\w+)" = ', assigned)) == kind.columns


@kinds()
@pytest.mark.django_db(transaction=True)
def test_two_api_edits_of_different_fields_at_once_get_one_conflict(kind: Kind) -> None:
    """Two clients PATCH different fields with the version they both read, from two threads
    at once: one is saved, the other answers 409 with the current version; nothing is lost
    without the client being told."""
    admin = make_user("ada", is_superuser=True, is_staff=True)
    record = kind.make()
    url = kind.url(record)
    untouched = {name: getattr(record, name) for name, _ in (kind.first, kind.second)}
    start = threading.Barrier(2, timeout=10)
    answers: dict[str, Any] = {}

    def edit(name: str, field: str, value: Any) -> None:
        try:
            client = APIClient()
            client.force_authenticate(admin)
            start.wait()
            answers[name] = client.patch(url, {field: value, "version": 1}, format="json")
        finally:
            connections.close_all()

    with database_for_threads():
        threads = [
            threading.Thread(target=edit, args=("first", *kind.first)),
            threading.Thread(target=edit, args=("second", *kind.second)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        stored = in_thread(lambda: fresh(record))
        in_thread(assert_journal_matches_data)
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert sorted(statuses.values()) == [200, 409], {n: a.content for n, a in answers.items()}
    saved = "first" if statuses["first"] == 200 else "second"
    refused = "second" if saved == "first" else "first"
    assert answers[refused].json()["current_version"] == 2
    assert "you had version 1" in answers[refused].json()["detail"]
    saved_field, saved_value = kind.first if saved == "first" else kind.second
    refused_field, _ = kind.second if saved == "first" else kind.first
    assert getattr(stored, saved_field) == saved_value
    assert getattr(stored, refused_field) == untouched[refused_field]
    assert stored.version == 2
