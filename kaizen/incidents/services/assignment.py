"""Assigning an incident to a group and a person, and counting reassignments."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.incidents.models import Incident
from kaizen.incidents.services import notices
from kaizen.incidents.services.base import finish, lock, moment, snapshot
from kaizen.incidents.services.records import follow_assignment
from kaizen.incidents.services.validation import check_incident
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.people.models import Team, User


def is_reassignment(
    old_group: Team | None, old_assignee: User | None, group: Team | None, assignee: User | None
) -> bool:
    """A reassignment moves the incident away from a group or a person it already had.

    The first assignment is not one, nor is someone in the same group picking up an incident
    nobody had taken yet (the queue working as intended).
    """
    group_moved = old_group is not None and group != old_group
    assignee_moved = old_assignee is not None and assignee != old_assignee
    return group_moved or assignee_moved


@transaction.atomic
def do_assign_incident(
    incident: Incident,
    *,
    assignment_group: Team | None,
    assignee: User | None,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Incident:
    """Give the incident to `assignment_group` and `assignee` (both as they should end up;
    None clears). The assignee must belong to the group. A New incident becomes Assigned."""
    at = moment(at)
    locked = lock(incident, expected_version)
    if not locked.is_open:
        raise ValidationError(
            {
                "assignment_group": f"{locked.number} is {locked.get_state_display().lower()}; "
                "only open incidents are assigned"
            }
        )
    before = snapshot(locked)
    old_group, old_assignee = locked.assignment_group, locked.assignee
    values = {"assignment_group": assignment_group, "assignee": assignee}
    changed = apply_changes(locked, values, values)
    if is_reassignment(old_group, old_assignee, assignment_group, assignee):
        locked.reassignment_count += 1
    follow_assignment(locked)
    check_incident(locked, changed)
    changes = finish(locked, incident, before, EventType.INCIDENT_ASSIGNED, actor=actor, at=at)
    if notify and "assignee" in changes:
        notices.tell_assignee(locked, actor=actor)
    return locked
