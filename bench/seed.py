"""Seeded generator of a large incident history for the benchmarks.

Rows are written with bulk_create, not through the domain services: a million incidents
through the services would take hours, and what the benchmarks measure (queue pages, the SLA
scan, the recompute) reads rows the services would have written in the same shape. The
journal events carry the same `changes` the incident services record, so the recompute reads
exactly what it reads in production.
"""

import datetime as dt
import random
from collections.abc import Iterator

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

OPEN_STATES = ["new", "assigned", "in_progress", "on_hold"]
START = dt.datetime(2023, 11, 1, tzinfo=dt.UTC)


def seed_people(rng: random.Random, teams: int = 20, agents: int = 200, callers: int = 2000):
    from kaizen.people.models import Team, User

    password = make_password(None)
    agent_rows = User.objects.bulk_create(
        User(username=f"agent{i}", kind="agent", first_name=f"Agent{i}", password=password)
        for i in range(agents)
    )
    caller_rows = User.objects.bulk_create(
        User(username=f"caller{i}", kind="requester", first_name=f"Caller{i}", password=password)
        for i in range(callers)
    )
    team_rows = Team.objects.bulk_create(
        Team(name=f"Team {i}", slug=f"team-{i}") for i in range(teams)
    )
    members = {team.pk: [] for team in team_rows}
    for index, agent in enumerate(agent_rows):
        members[team_rows[index % teams].pk].append(agent)
    for team in team_rows:
        team.members.set(members[team.pk])
    return team_rows, members, caller_rows


def incident_rows(
    rng: random.Random, count: int, teams, members, callers, open_share: float
) -> Iterator[tuple[dict, list[tuple[dt.datetime, dict]]]]:
    """(incident fields, [(event time, changes)]) per incident, oldest first."""
    span = (dt.datetime(2026, 11, 1, tzinfo=dt.UTC) - START).total_seconds()
    for number in range(1, count + 1):
        opened = START + dt.timedelta(seconds=span * number / count + rng.random() * 600)
        team = rng.choice(teams)
        agent = rng.choice(members[team.pk])
        impact, urgency = rng.choice([1, 2, 2, 3, 3, 3]), rng.choice([1, 2, 2, 3, 3, 3])
        priority = {2: 1, 3: 2, 4: 3, 5: 4, 6: 5}[impact + urgency]
        fields = {
            "number": f"INC{number:08d}",
            "caller_id": rng.choice(callers).pk,
            "channel": rng.choice(["phone", "email", "self_service", "monitoring"]),
            "impact": impact,
            "urgency": urgency,
            "priority": priority,
            "short_description": f"Seeded incident {number}",
            "assignment_group_id": team.pk,
            "assignee_id": agent.pk,
            "opened_at": opened,
            "updated_at": opened,
        }
        created = {
            "state": {"old": None, "new": "assigned"},
            "priority": {"old": None, "new": priority},
            "impact": {"old": None, "new": impact},
            "urgency": {"old": None, "new": urgency},
            "on_hold_reason": {"old": None, "new": ""},
            "first_responded_at": {"old": None, "new": None},
            "assignment_group": {"old": None, "new": {"id": team.pk, "repr": team.name}},
        }
        events = [(opened, created)]
        at = opened + dt.timedelta(minutes=rng.randint(1, 240))
        events.append(
            (
                at,
                {
                    "state": {"old": "assigned", "new": "in_progress"},
                    "first_responded_at": {"old": None, "new": at.isoformat()},
                },
            )
        )
        fields["first_responded_at"] = at
        is_open = rng.random() < open_share
        if rng.random() < 0.3:
            at += dt.timedelta(minutes=rng.randint(10, 3000))
            events.append(
                (
                    at,
                    {
                        "state": {"old": "in_progress", "new": "on_hold"},
                        "on_hold_reason": {"old": "", "new": "awaiting_caller"},
                    },
                )
            )
            at += dt.timedelta(minutes=rng.randint(10, 3000))
            events.append(
                (
                    at,
                    {
                        "state": {"old": "on_hold", "new": "in_progress"},
                        "on_hold_reason": {"old": "awaiting_caller", "new": ""},
                    },
                )
            )
        if is_open:
            fields["state"] = rng.choice(OPEN_STATES[1:])
            fields["sla_due_at"] = at + dt.timedelta(hours=rng.randint(-48, 96))
            fields["sla_state"] = "ok"
        else:
            at += dt.timedelta(minutes=rng.randint(10, 5000))
            events.append((at, {"state": {"old": "in_progress", "new": "resolved"}}))
            fields.update(state="resolved", resolved_at=at)
            if rng.random() < 0.9:
                at += dt.timedelta(days=3)
                events.append((at, {"state": {"old": "resolved", "new": "closed"}}))
                fields.update(state="closed", closed_at=at)
            fields["sla_state"] = "ok"
        fields["updated_at"] = at
        yield fields, events


def seed_incidents(
    count: int,
    *,
    seed: int = 42,
    open_share: float = 0.05,
    with_journal: bool = False,
    batch: int = 5000,
) -> dict[str, int]:
    from kaizen.incidents.models import Incident
    from kaizen.journal.models import JournalEvent

    rng = random.Random(seed)
    teams, members, callers = seed_people(rng)
    content_type = ContentType.objects.get_for_model(Incident)
    pending: list[tuple[dict, list]] = []
    written = {"incidents": 0, "events": 0}

    def flush() -> None:
        with transaction.atomic():
            created = Incident.objects.bulk_create(Incident(**fields) for fields, _ in pending)
            written["incidents"] += len(created)
            if with_journal:
                events = [
                    JournalEvent(
                        occurred_at=at,
                        event_type="incidents.incident.created"
                        if index == 0
                        else "incidents.incident.state_changed",
                        actor=None,
                        actor_repr="seed",
                        subject_type=content_type,
                        subject_id=str(incident.pk),
                        subject_repr=incident.number,
                        changes=changes,
                        correlation_id="00000000-0000-0000-0000-000000000000",
                    )
                    for incident, (_, history) in zip(created, pending, strict=True)
                    for index, (at, changes) in enumerate(history)
                ]
                JournalEvent.objects.bulk_create(events, batch_size=2000)
                written["events"] += len(events)
        pending.clear()

    for row in incident_rows(rng, count, teams, members, callers, open_share):
        pending.append(row)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return written


def uk_office_calendar():
    """Mon-Fri 08:00-18:00 Europe/London with English public holidays, slug `uk-office`
    (found if an earlier run on the same database made it)."""
    from kaizen.sla.models import BusinessCalendar
    from kaizen.sla.services import do_create_calendar

    existing = BusinessCalendar.objects.filter(slug="uk-office").first()
    if existing is not None:
        return existing
    return do_create_calendar(
        actor=None,
        name="UK office",
        slug="uk-office",
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
        periods=[(day, dt.time(8), dt.time(18)) for day in range(5)],
    )
