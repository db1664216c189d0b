"""The survey invitation run over 10,000 resolutions: sampling, cool-down, exclusions and the
outbox rows, as the periodic task does it after a minute in which that many incidents were
resolved.

    .venv/bin/python bench/surveys_invitations.py                            # SQLite
    .venv/bin/python bench/surveys_invitations.py --database-url postgres://...

Seeds (seeded generator, bulk inserts) 4,000 requesters (a few agents and excluded addresses
among them), 10,000 incidents resolved within one minute with their journal events (state
moved to resolved), and a survey with one trigger: 50 % sampled, a 30-day cool-down (people
with several incidents are asked once), agents' own tickets and a named domain excluded, no
delay. Then times `do_plan_invitations` (reading the journal, drawing, writing invitations and
their journal events) and `do_send_surveys` (claiming, rendering and writing the outbox rows,
journaled). Prints one JSON object; the target is 2 s for both together.
"""

import argparse
import datetime as dt
import json
import random
import time

from _setup import setup_django

NOW = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


def domain(index: int) -> str:
    return "contractor.test" if index % 50 == 0 else "example.com"  # named: excluded


def seed(resolutions: int, people: int, rng: random.Random) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from kaizen.incidents.models import Incident
    from kaizen.journal.events import EventType
    from kaizen.journal.services import PendingEvent, record_events
    from kaizen.people.models import User, UserKind
    from kaizen.surveys.services.definitions import do_add_trigger, do_create_survey

    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"person{index}",
                    first_name=f"Person {index}",
                    email=f"person{index}@{domain(index)}",
                    kind=UserKind.AGENT if index % 40 == 0 else UserKind.REQUESTER,
                    time_zone=rng.choice(["Europe/London", "America/New_York", "Asia/Tokyo", ""]),
                )
                for index in range(people)
            ]
        )
        incidents = []
        for index in range(resolutions):
            caller = rng.choice(users)
            resolved = NOW - dt.timedelta(seconds=rng.uniform(0, 60))
            incidents.append(
                Incident(
                    number=f"INC{index + 1:07d}",
                    caller=caller,
                    opened_by=caller if caller.kind == UserKind.AGENT else None,
                    short_description=f"Benchmark incident {index}",
                    state="resolved",
                    priority=rng.choice([1, 2, 3, 4, 5]),
                    opened_at=resolved - dt.timedelta(hours=rng.uniform(0.5, 200)),
                    resolved_at=resolved,
                    resolution_code="solved",
                    resolution_notes="Fixed.",
                    updated_at=resolved,
                )
            )
        Incident.objects.bulk_create(incidents, batch_size=2000)
        incident_type = ContentType.objects.get_for_model(Incident).pk
        record_events(
            [
                PendingEvent(
                    occurred_at=incident.resolved_at,
                    event_type=EventType.INCIDENT_STATE_CHANGED,
                    actor_id=None,
                    actor_repr="system",
                    subject_type_id=incident_type,
                    subject_id=str(incident.pk),
                    subject_repr=incident.number,
                    changes={"state": {"old": "in_progress", "new": "resolved"}},
                    data={},
                )
                for incident in sorted(incidents, key=lambda i: i.resolved_at)
            ]
        )
        definition = do_create_survey(
            actor=None, name="After resolution", at=NOW - dt.timedelta(days=1)
        )
        do_add_trigger(
            definition,
            actor=None,
            inclusion_rate=0.5,
            cooldown_days=30,
            delay_minutes=0,
            window_start_hour=0,
            window_end_hour=24,
            excluded_addresses="@contractor.test",
            at=NOW - dt.timedelta(days=1),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--resolutions", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=4_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    vendor = setup_django(args.database_url)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    seed(args.resolutions, args.people, rng)
    seeded = time.perf_counter() - started

    from kaizen.notifications.models import Notification
    from kaizen.surveys.models import Invitation
    from kaizen.surveys.planner import do_plan_invitations
    from kaizen.surveys.services.sending import do_send_surveys

    started = time.perf_counter()
    planned = do_plan_invitations(now=NOW + dt.timedelta(minutes=1), rng=random.Random(args.seed))
    plan_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sent = do_send_surveys(now=NOW + dt.timedelta(minutes=1))
    send_seconds = time.perf_counter() - started
    again = do_plan_invitations(now=NOW + dt.timedelta(minutes=2), rng=random.Random(1))
    print(
        json.dumps(
            {
                "benchmark": "surveys_invitations",
                "database": vendor,
                "resolutions": args.resolutions,
                "people": args.people,
                "seed_seconds": round(seeded, 2),
                "plan_seconds": round(plan_seconds, 3),
                "send_seconds": round(send_seconds, 3),
                "total_seconds": round(plan_seconds + send_seconds, 3),
                "target_seconds": 2.0,
                "planned": planned.as_json(),
                "sent": sent.as_json(),
                "invitations": Invitation.objects.count(),
                "outbox_rows": Notification.objects.filter(
                    subject__icontains="how did we do"
                ).count(),
                "second_run_drawn": again.drawn,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
