"""Schedule conflicts of a change (the change calendar): what must be acknowledged before a
change is scheduled, or its plan changed while scheduled.

For the change's planned window [start, end) (half-open: touching windows do not overlap):

1. booked: another scheduled or implementing change overlapping in time that touches the same
   part of the catalogue. A change's *scope* is its services plus the services of its CIs
   (a CI's services count as the CI's). Two changes conflict when they share a CI, their
   scopes share a service, or a service of one scope depends directly on a service of the
   other (ServiceDependency, either direction, one hop: a change on the directory conflicts
   with a change on the mail service that uses it, and the other way round; not with the
   services that use the mail service in turn).
2. implementer: the change's implementer is the implementer of such an overlapping change.
3. outside_maintenance: a service of the scope has maintenance windows and the planned window
   does not lie inside one of them (adjacent occurrences count as one window).
4. blackout: the planned window overlaps a blackout for all services or for a service of the
   scope.

Speed: the overlapping changes are read with one range over the index on (state,
planned_start, planned_end), bounded below by KAIZEN_CHANGE_LONGEST_WINDOW_HOURS (a
scheduled change may not be longer: check_schedule refuses it), plus the few implementing
changes; only those candidates' services and CIs are read. A fixed number of queries,
whatever the size of the calendar (bench/changes_calendar.py).
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from kaizen.catalog.models import ConfigurationItem, Service, ServiceDependency
from kaizen.changes.calendar_windows import covering, merged, window_intervals
from kaizen.changes.models import (
    Change,
    ChangeWindow,
    ConflictAcknowledgement,
    ConflictKind,
    State,
    WindowKind,
)
from kaizen.changes.services.base import moment
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User, person_name

# The states in which a change is booked on the calendar.
BOOKED_STATES = (State.SCHEDULED, State.IMPLEMENT)
# The states in which a change's plan is still checked (and its conflicts acknowledged).
PLANNING_STATES = (State.DRAFT, State.ASSESS, State.AUTHORISE, State.SCHEDULED)
# What a proposed plan may give instead of the saved values.
PLAN_FIELDS = frozenset(
    {"planned_start", "planned_end", "implementer", "services", "configuration_items"}
)
_MISSING = object()


@dataclass
class Conflict:
    """One conflict of a change's planned window, in words and with what it is with."""

    kind: ConflictKind
    key: str
    description: str
    planned_start: dt.datetime
    planned_end: dt.datetime
    # The conflicting interval: the other change's window, the blackout's occurrence, or
    # (outside a maintenance window) the planned window itself.
    start: dt.datetime
    end: dt.datetime
    other: Change | None = None
    # What the conflict is with, in words, beside the link to the other change.
    detail: str = ""
    window: ChangeWindow | None = None
    service: Service | None = None
    acknowledgement: ConflictAcknowledgement | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """The conflict and the plan it was found for: an acknowledgement holds for this."""
        text = "|".join(
            (
                self.key,
                self.planned_start.astimezone(dt.UTC).isoformat(),
                self.planned_end.astimezone(dt.UTC).isoformat(),
                self.start.astimezone(dt.UTC).isoformat(),
                self.end.astimezone(dt.UTC).isoformat(),
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def kind_label(self) -> str:
        return ConflictKind(self.kind).label


@dataclass(frozen=True)
class Plan:
    """What the conflicts are found for: a change's planned window, implementer, services and
    CIs, as saved or as proposed (an edit of a scheduled change is checked, and its conflicts
    acknowledged, before it is saved)."""

    start: dt.datetime
    end: dt.datetime
    implementer_id: int | None
    services: frozenset[int]
    cis: frozenset[int]


def plan_of(change: Change, **proposed: Any) -> Plan | None:
    """The change's plan, with the `proposed` values (planned_start, planned_end, implementer,
    services, configuration_items) instead of the saved ones; None without a planned window."""
    unknown = set(proposed) - PLAN_FIELDS
    if unknown:
        raise ValueError(f"not part of a change's plan: {', '.join(sorted(unknown))}")
    start = proposed.get("planned_start", change.planned_start)
    end = proposed.get("planned_end", change.planned_end)
    if start is None or end is None or end <= start:
        return None
    implementer = proposed.get("implementer", _MISSING)
    implementer_id = (
        change.implementer_id if implementer is _MISSING else getattr(implementer, "pk", None)
    )
    if "services" in proposed:
        services = frozenset(s.pk for s in proposed["services"])
    elif change.pk is None:
        services = frozenset()
    else:
        services = frozenset(change.services.values_list("pk", flat=True))
    if "configuration_items" in proposed:
        cis = frozenset(ci.pk for ci in proposed["configuration_items"])
    elif change.pk is None:
        cis = frozenset()
    else:
        cis = frozenset(change.configuration_items.values_list("pk", flat=True))
    return Plan(start, end, implementer_id, services, cis)


def _ci_services(ci_ids: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    if ci_ids:
        for ci_id, service_id in ConfigurationItem.services.through.objects.filter(
            configurationitem_id__in=ci_ids
        ).values_list("configurationitem_id", "service_id"):
            found[ci_id].add(service_id)
    return found


def _scopes(change_ids: Iterable[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Per change: its scope (its services plus its CIs' services), and its CIs."""
    ids = list(change_ids)
    services: dict[int, set[int]] = defaultdict(set)
    cis: dict[int, set[int]] = defaultdict(set)
    for change_id, service_id in Change.services.through.objects.filter(
        change_id__in=ids
    ).values_list("change_id", "service_id"):
        services[change_id].add(service_id)
    for change_id, ci_id in Change.configuration_items.through.objects.filter(
        change_id__in=ids
    ).values_list("change_id", "configurationitem_id"):
        cis[change_id].add(ci_id)
    ci_services = _ci_services({ci for group in cis.values() for ci in group})
    for change_id, change_cis in cis.items():
        for ci_id in change_cis:
            services[change_id] |= ci_services[ci_id]
    return services, cis


def booked_between(start: dt.datetime, end: dt.datetime) -> tuple[QuerySet, QuerySet]:
    """The changes booked on the calendar (scheduled or implementing) whose planned window
    overlaps [start, end), as two querysets to read (and narrow) apart: the scheduled ones
    through a range of the index on (state, planned_start, planned_end) bounded below by the
    longest window allowed, and the implementing ones (few, and an emergency change is
    implemented without being scheduled, so its window was never held to the bound)."""
    longest = dt.timedelta(hours=settings.KAIZEN_CHANGE_LONGEST_WINDOW_HOURS)
    overlap = Q(planned_start__lt=end, planned_end__gt=start)
    scheduled = Change.objects.filter(
        overlap, state=State.SCHEDULED, planned_start__gte=start - longest
    )
    return scheduled, Change.objects.filter(overlap, state=State.IMPLEMENT)


def _overlapping_changes(
    change_id: int | None, start: dt.datetime, end: dt.datetime
) -> list[Change]:
    columns = ("id", "number", "title", "state", "planned_start", "planned_end", "implementer_id")
    found = {}
    for rows in booked_between(start, end):
        for row in rows.exclude(pk=change_id).only(*columns).order_by():
            found[row.pk] = row
    return sorted(found.values(), key=lambda row: (row.planned_start, row.number))


def _names(model: type, ids: set[int]) -> dict[int, str]:
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _booked_conflicts(change_id: int | None, plan: Plan, scope: set[int]) -> list[Conflict]:
    start, end, cis = plan.start, plan.end, plan.cis
    candidates = _overlapping_changes(change_id, start, end)
    if not candidates:
        return []
    their_scopes, their_cis = _scopes(row.pk for row in candidates)
    # Direct dependencies between the two scopes, either direction.
    depends_on: dict[int, set[int]] = defaultdict(set)
    if scope:
        for service_id, target_id in ServiceDependency.objects.filter(
            Q(service_id__in=scope) | Q(depends_on_id__in=scope)
        ).values_list("service_id", "depends_on_id"):
            depends_on[service_id].add(target_id)
    reasons_of: dict[int, list[tuple[str, int, int]]] = {}
    for row in candidates:
        reasons: list[tuple[str, int, int]] = []
        reasons += [("ci", ci, ci) for ci in sorted(cis & their_cis[row.pk])]
        theirs = their_scopes[row.pk]
        reasons += [("service", s, s) for s in sorted(scope & theirs)]
        for mine in sorted(scope):
            reasons += [("depends", mine, t) for t in sorted(depends_on[mine] & theirs - scope)]
        for other in sorted(theirs - scope):
            reasons += [("depends", other, m) for m in sorted(depends_on[other] & scope)]
        if reasons:
            reasons_of[row.pk] = reasons
    service_names = _names(
        Service,
        {i for rs in reasons_of.values() for kind, a, b in rs if kind != "ci" for i in (a, b)},
    )
    ci_names = _names(
        ConfigurationItem, {a for rs in reasons_of.values() for kind, a, _ in rs if kind == "ci"}
    )
    implementer = None
    if plan.implementer_id and any(r.implementer_id == plan.implementer_id for r in candidates):
        implementer = User.objects.get(pk=plan.implementer_id)
    conflicts = []
    for row in candidates:
        if row.pk in reasons_of:
            words = []
            for kind, a, b in reasons_of[row.pk]:
                if kind == "ci":
                    words.append(f"both change {ci_names[a]}")
                elif kind == "service":
                    words.append(f"both affect {service_names[a]}")
                else:
                    words.append(f"{service_names[a]} depends on {service_names[b]}")
            conflicts.append(
                Conflict(
                    kind=ConflictKind.BOOKED,
                    key=f"booked:{row.number}",
                    description=f"{row.number} {row.title} is {row.get_state_display().lower()} "
                    f"in an overlapping window: {'; '.join(words)}",
                    planned_start=start,
                    planned_end=end,
                    start=row.planned_start,
                    end=row.planned_end,
                    other=row,
                    detail="; ".join(words),
                )
            )
        if implementer is not None and row.implementer_id == plan.implementer_id:
            name = person_name(implementer.first_name, implementer.last_name, implementer.username)
            conflicts.append(
                Conflict(
                    kind=ConflictKind.IMPLEMENTER,
                    key=f"implementer:{implementer.pk}:{row.number}",
                    description=f"{name} also implements {row.number} {row.title} "
                    "in an overlapping window",
                    planned_start=start,
                    planned_end=end,
                    start=row.planned_start,
                    end=row.planned_end,
                    other=row,
                    detail=f"{name} implements both",
                )
            )
    return conflicts


def _window_conflicts(start: dt.datetime, end: dt.datetime, scope: set[int]) -> list[Conflict]:
    windows = list(
        ChangeWindow.objects.filter(is_active=True)
        .filter(Q(all_services=True) | Q(services__in=scope))
        .distinct()
        .prefetch_related("services")
        .order_by("kind", "name", "pk")
    )
    conflicts: list[Conflict] = []
    maintenance: dict[Service, list[tuple[dt.datetime, dt.datetime]]] = {}
    for window in windows:
        services = [s for s in window.services.all() if s.pk in scope]
        if window.kind == WindowKind.BLACKOUT:
            occurrences = merged(window_intervals(window, start, end))
            if occurrences:
                begin, finish = occurrences[0]
                conflicts.append(
                    Conflict(
                        kind=ConflictKind.BLACKOUT,
                        key=f"blackout:{window.pk}",
                        description=f"inside the blackout {window.name}"
                        + (
                            ""
                            if window.all_services
                            else f" ({', '.join(s.name for s in services)})"
                        ),
                        planned_start=start,
                        planned_end=end,
                        start=begin,
                        end=finish,
                        window=window,
                    )
                )
        else:
            # Every occurrence that touches the plan: adjacent ones may join into one.
            occurrences = window_intervals(
                window, start - dt.timedelta(days=8), end + dt.timedelta(days=8)
            )
            for service in services:
                maintenance.setdefault(service, []).extend(occurrences)
    for service, occurrences in sorted(maintenance.items(), key=lambda item: item[0].name):
        if covering(occurrences, start, end) is None:
            conflicts.append(
                Conflict(
                    kind=ConflictKind.OUTSIDE_MAINTENANCE,
                    key=f"outside_maintenance:{service.slug}",
                    description=f"not inside a maintenance window of {service.name}",
                    planned_start=start,
                    planned_end=end,
                    start=start,
                    end=end,
                    service=service,
                )
            )
    return conflicts


def find_conflicts(change: Change, **proposed: Any) -> list[Conflict]:
    """Every conflict of the change's plan (as saved, or with the `proposed` values: see
    plan_of), each with its acknowledgement (None when nobody acknowledged it for this plan).
    No planned window: no conflicts."""
    plan = plan_of(change, **proposed)
    if plan is None:
        return []
    scope = set(plan.services) | {
        service for group in _ci_services(set(plan.cis)).values() for service in group
    }
    conflicts = _booked_conflicts(change.pk, plan, scope)
    conflicts += _window_conflicts(plan.start, plan.end, scope)
    acknowledged = {}
    if change.pk is not None and conflicts:
        acknowledged = {
            ack.fingerprint: ack
            for ack in ConflictAcknowledgement.objects.filter(
                change_id=change.pk, fingerprint__in=[c.fingerprint for c in conflicts]
            ).select_related("acknowledged_by")
        }
    for conflict in conflicts:
        conflict.acknowledgement = acknowledged.get(conflict.fingerprint)
    return conflicts


def unacknowledged_conflicts(change: Change) -> list[Conflict]:
    """The conflicts of the change's planned window that nobody acknowledged yet."""
    return [c for c in find_conflicts(change) if c.acknowledgement is None]


def check_schedule(change: Change) -> None:
    """A change is scheduled only with a planned window no longer than the calendar allows
    and every conflict acknowledged."""
    if change.planned_start is None or change.planned_end is None:
        raise ValidationError(
            {"planned_start": "give the planned start and end before scheduling the change"}
        )
    longest = settings.KAIZEN_CHANGE_LONGEST_WINDOW_HOURS
    if change.planned_end - change.planned_start > dt.timedelta(hours=longest):
        raise ValidationError(
            {
                "planned_end": f"a scheduled change's window is at most {longest} hours: "
                "split longer work into several changes"
            }
        )
    open_conflicts = unacknowledged_conflicts(change)
    if open_conflicts:
        count = len(open_conflicts)
        raise ValidationError(
            {
                "planned_start": f"the planned window has {count} conflict"
                f"{'s' if count != 1 else ''} nobody acknowledged: acknowledge each with a "
                "reason, or move the window"
            }
        )


@transaction.atomic
def do_acknowledge_conflict(
    change: Change,
    *,
    conflict: str,
    reason: str,
    actor: User | None,
    at: dt.datetime | None = None,
    **proposed: Any,
) -> ConflictAcknowledgement:
    """Proceed despite one conflict (named by its key) of the change's plan, saying why: the
    saved plan, or the `proposed` one (see plan_of) that an edit is about to save. Journaled
    on the change; holds until the plan or the conflict changes."""
    at = moment(at)
    locked = Change.objects.select_for_update().get(pk=change.pk)
    if locked.state not in PLANNING_STATES:
        raise ValidationError(
            {
                "conflict": f"{locked.number} is {locked.get_state_display().lower()}: its plan "
                "is no longer checked against the calendar"
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": "say why the change may go ahead despite the conflict"})
    found = next((c for c in find_conflicts(locked, **proposed) if c.key == conflict), None)
    if found is None:
        raise ValidationError(
            {"conflict": f"{locked.number} has no conflict {conflict!r} with this plan"}
        )
    if found.acknowledgement is not None:
        raise ValidationError(
            {
                "conflict": f"{found.acknowledgement.acknowledged_by or 'the system'} acknowledged "
                "this conflict already"
            }
        )
    acknowledgement = ConflictAcknowledgement.objects.create(
        change=locked,
        conflict_kind=found.kind,
        conflict_key=found.key,
        fingerprint=found.fingerprint,
        description=found.description[:400],
        planned_start=found.planned_start,
        planned_end=found.planned_end,
        reason=reason.strip(),
        acknowledged_by=actor,
        acknowledged_at=at,
    )
    record_event(
        EventType.CHANGE_CONFLICT_ACKNOWLEDGED,
        locked,
        actor=actor,
        # In words, as the timeline shows them; the acknowledgement row keeps the conflict's
        # key and fingerprint.
        data={
            "conflict": found.description,
            "kind": found.kind_label,
            "reason": acknowledgement.reason,
            "planned_start": found.planned_start,
            "planned_end": found.planned_end,
        },
        occurred_at=at,
    )
    return acknowledgement
