"""The demo change calendar: a year-end freeze, weekly maintenance windows for a few services,
and one acknowledged conflict, written through the calendar services. Called by load_demo after
the demo changes exist; idempotent (a window is looked up by name, and nothing is acknowledged
when an acknowledgement exists).
"""

import datetime as dt

from kaizen.catalog.models import Service
from kaizen.changes.models import Change, ChangeWindow, ConflictAcknowledgement, State
from kaizen.changes.services.calendar import do_create_window
from kaizen.changes.services.conflicts import do_acknowledge_conflict, unacknowledged_conflicts
from kaizen.people.models import Process, Role, User

ZONE = "Europe/London"
# (service slug, window name, weekday (0 = Monday), local start, local end)
MAINTENANCE = [
    ("network", "Network Thursday night maintenance", 3, dt.time(22), dt.time(3)),
    ("network", "Network Saturday morning maintenance", 5, dt.time(2), dt.time(8)),
    ("email", "Mail Sunday maintenance", 6, dt.time(2), dt.time(6)),
    ("erp-finance", "ERP Sunday maintenance", 6, dt.time(0), dt.time(8)),
    ("hr-portal", "HR portal Wednesday evening maintenance", 2, dt.time(18), dt.time(22)),
]
REASON = (
    "Agreed with the service owner: the work runs on the standby side of a redundant pair "
    "without interrupting users, and waiting for the next maintenance window would hold up "
    "the changes that follow it."
)


def _change_manager() -> User | None:
    return (
        User.objects.filter(
            process_roles__process=Process.CHANGE,
            process_roles__role__in=(Role.MANAGER, Role.OWNER),
            is_active=True,
        )
        .order_by("username")
        .first()
    )


def load(now: dt.datetime) -> dict[str, int]:
    """Add what is missing; returns how many windows and acknowledgements were added."""
    manager = _change_manager()
    added = {"change windows": 0, "acknowledged conflicts": 0}
    year = now.year if now.date() >= dt.date(now.year, 1, 5) else now.year - 1
    freeze = f"Year-end freeze {year}"
    if not ChangeWindow.objects.filter(name=freeze).exists():
        do_create_window(
            actor=manager,
            at=now,
            kind="blackout",
            name=freeze,
            note="No changes over the holidays and the year-end close, except emergencies.",
            all_services=True,
            starts_at=dt.datetime(year, 12, 20, tzinfo=dt.UTC),
            ends_at=dt.datetime(year + 1, 1, 4, tzinfo=dt.UTC),
        )
        added["change windows"] += 1
    services = {s.slug: s for s in Service.objects.filter(slug__in={m[0] for m in MAINTENANCE})}
    for slug, name, weekday, start, end in MAINTENANCE:
        if slug not in services or ChangeWindow.objects.filter(name=name).exists():
            continue
        do_create_window(
            actor=manager,
            at=now,
            kind="maintenance",
            name=name,
            recurrence="weekly",
            weekday=weekday,
            start_time=start,
            end_time=end,
            time_zone=ZONE,
            services=[services[slug]],
        )
        added["change windows"] += 1
    if not ConflictAcknowledgement.objects.exists():
        added["acknowledged conflicts"] = _acknowledge_one(manager, now)
    return added


def _acknowledge_one(manager: User | None, now: dt.datetime) -> int:
    """The first coming scheduled change with a conflict (the windows came after it was
    scheduled) has it acknowledged by the change manager."""
    coming = Change.objects.filter(
        state=State.SCHEDULED, planned_start__gte=now - dt.timedelta(days=1)
    ).order_by("planned_start", "pk")
    for change in coming:
        conflicts = unacknowledged_conflicts(change)
        if conflicts:
            do_acknowledge_conflict(
                change, conflict=conflicts[0].key, reason=REASON, actor=manager, at=now
            )
            return 1
    return 0
