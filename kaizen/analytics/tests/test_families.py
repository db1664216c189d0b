"""Fact families: the store holds what is registered, and a family added later is created,
synced and rebuilt with nothing else changed."""

from collections.abc import Collection, Iterator

import pyarrow as pa
import pytest

from kaizen.analytics import families as registry
from kaizen.analytics.families import (
    EventFamily,
    FactContext,
    RecordFamily,
    breakdown_columns,
    event_families,
    get_family,
    record_families,
    register,
)
from kaizen.analytics.families.incidents import BREAKDOWN_COLUMNS, INCIDENTS
from kaizen.analytics.store import connect
from kaizen.analytics.sync import rebuild, sync
from kaizen.analytics.tests.helpers import rows
from kaizen.journal.events import EventType
from kaizen.people import services as people_services
from kaizen.people.models import Team

TEAM_FACTS = """
CREATE TABLE IF NOT EXISTS team_facts (
    team_id BIGINT PRIMARY KEY,
    name VARCHAR NOT NULL,
    members INTEGER NOT NULL
)
"""


def team_rows(teams) -> pa.Table:
    found = list(teams.order_by("pk").values_list("pk", "name"))
    members = {team.pk: team.members.count() for team in teams}
    return pa.table(
        {
            "team_id": pa.array([pk for pk, _ in found], pa.int64()),
            "name": pa.array([name for _, name in found], pa.string()),
            "members": pa.array([members[pk] for pk, _ in found], pa.int32()),
        }
    )


def teams_between(after: int, up_to: int, context: FactContext) -> pa.Table:
    return team_rows(Team.objects.filter(pk__gt=after, pk__lte=up_to))


def teams_of(ids: Collection[int], chunk_size: int, context: FactContext) -> Iterator[pa.Table]:
    yield team_rows(Team.objects.filter(pk__in=list(ids)))


# What a process's family module declares: its table, its records, what it is broken down by,
# how its rows are built. Here teams stand in for a process that does not exist yet.
TEAMS = RecordFamily(
    name="team_facts",
    label="Teams (one row per team)",
    ddl=TEAM_FACTS,
    version="1",
    model=Team,
    key="team_id",
    breakdowns={"team": "name"},
    rows_between=teams_between,
    rows_of=teams_of,
    refresh_all_events=frozenset({EventType.CALENDAR_CREATED}),
)


@pytest.fixture
def team_family():
    register(TEAMS)
    yield TEAMS
    registry._families.pop(TEAMS.name)


def team_facts() -> dict[str, dict]:
    return {row["name"]: row for row in rows("team_facts", "team_id")}


def test_the_process_families_are_registered():
    from kaizen.analytics.families.changes import BREAKDOWN_COLUMNS as CHANGE_BREAKDOWNS
    from kaizen.analytics.families.changes import CHANGES
    from kaizen.analytics.families.outages import BREAKDOWN_COLUMNS as OUTAGE_BREAKDOWNS
    from kaizen.analytics.families.outages import OUTAGES
    from kaizen.analytics.families.problems import BREAKDOWN_COLUMNS as PROBLEM_BREAKDOWNS
    from kaizen.analytics.families.problems import PROBLEMS
    from kaizen.analytics.families.requests import REQUEST_APPROVALS, REQUEST_TASKS, REQUESTS
    from kaizen.analytics.families.surveys import SURVEYS

    assert record_families() == (
        CHANGES,
        INCIDENTS,
        OUTAGES,
        PROBLEMS,
        REQUESTS,
        REQUEST_TASKS,
        REQUEST_APPROVALS,
        SURVEYS,
    )
    (events,) = event_families()
    assert events.name == "incident_event_facts" and events.record_family == INCIDENTS
    assert get_family("incident_facts") is INCIDENTS
    assert get_family("change_facts") is CHANGES
    # One vocabulary: every family's dimensions, a name shared by two families once.
    assert breakdown_columns() == {
        **CHANGE_BREAKDOWNS,
        **BREAKDOWN_COLUMNS,
        **OUTAGE_BREAKDOWNS,
        **PROBLEM_BREAKDOWNS,
        **REQUESTS.breakdowns,
        **REQUEST_TASKS.breakdowns,
        **REQUEST_APPROVALS.breakdowns,
        **SURVEYS.breakdowns,
    }


def test_it_reads_a_family_s_columns_from_its_ddl():
    assert INCIDENTS.columns["incident_id"] == "BIGINT"
    assert INCIDENTS.columns["resolution_hours"] == "DOUBLE"
    assert INCIDENTS.columns["opened_at"] == "TIMESTAMP"
    assert TEAMS.columns == {"team_id": "BIGINT", "name": "VARCHAR", "members": "INTEGER"}


def test_it_refuses_another_family_under_a_name_taken():
    impostor = EventFamily(
        name="incident_facts",
        label="",
        ddl="",
        version="1",
        records="x",
        rows_between=lambda *_: None,
    )
    with pytest.raises(ValueError, match="already registered"):
        register(impostor)
    register(INCIDENTS)  # the same one again is harmless


def test_an_unknown_family_is_a_lookup_error():
    with pytest.raises(LookupError, match="no fact family named 'loan_facts'"):
        get_family("loan_facts")


@pytest.mark.django_db
def test_a_new_family_is_created_synced_and_rebuilt(team_family, desk, agent):
    report = sync()
    assert report.mode == "rebuild" and report.rows["team_facts"] == 1
    assert team_facts() == {
        "Service desk": {"team_id": desk.pk, "name": "Service desk", "members": 2}
    }

    second = people_services.do_create_team(actor=None, name="Network", slug="network")
    report = sync()
    assert report.mode == "sync" and report.rows["team_facts"] == 1
    assert report.rows["incident_facts"] == report.rows["incident_event_facts"] == 0
    people_services.do_update_team(desk, actor=None, name="Front desk")
    sync()
    assert set(team_facts()) == {"Front desk", "Network"}
    synced = rows("team_facts", "team_id")
    assert rebuild().rows["team_facts"] == 2
    assert rows("team_facts", "team_id") == synced
    assert second.pk in {row["team_id"] for row in synced}


@pytest.mark.django_db
def test_a_store_written_before_a_family_existed_is_rebuilt_with_it(desk):
    sync()
    register(TEAMS)
    try:
        report = sync()
        assert report.mode == "rebuild"
        assert list(team_facts()) == ["Service desk"]
    finally:
        registry._families.pop(TEAMS.name)


@pytest.mark.django_db
def test_the_store_creates_every_family_s_table(team_family):
    with connect() as connection:
        tables = {name for (name,) in connection.execute("SHOW TABLES").fetchall()}
    assert {"incident_facts", "incident_event_facts", "team_facts", "sync_state"} <= tables
