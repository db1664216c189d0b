"""A corrective action carried out by a Kaizen change follows the change (registered with
kaizen.changes.hooks from ImprovementConfig.ready()):

- the change's implementation starts: an open action is in progress;
- the change closes successful (with or without issues): the action is done, on the day the
  change closed;
- the change closes failed or backed out, or is cancelled or rejected: an action that was in
  progress or done is open again (the work it stands for was not done), for its owner to
  decide what next.

Each move goes through the action's own service (journaled on the initiative, with the change
as the reason); an action whose initiative is no longer open is left as it is.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from kaizen.changes.models import FAILED_CLOSURE_CODES, Change, State
from kaizen.improvement.models import OPEN_STATUSES, Action, ActionStatus
from kaizen.improvement.services.actions import do_update_action


def _target(change: Change) -> tuple[str, object] | None:
    """(status, done_on) the change's new state calls for; None: nothing to follow."""
    if change.state == State.IMPLEMENT:
        return ActionStatus.IN_PROGRESS, None
    if change.state == State.CLOSED and change.closure_code not in FAILED_CLOSURE_CODES:
        return ActionStatus.DONE, timezone.localdate(change.closed_at)
    if change.state in (State.CLOSED, State.CANCELLED, State.REJECTED):
        return ActionStatus.OPEN, None
    return None


def follow_change(change: Change, previous_state: str) -> None:
    target = _target(change)
    if target is None:
        return
    status, done_on = target
    actions = Action.objects.filter(
        change=change, initiative__status__in=OPEN_STATUSES
    ).select_related("initiative")
    for action in actions:
        if status == ActionStatus.IN_PROGRESS and action.status != ActionStatus.OPEN:
            continue
        if status == ActionStatus.OPEN and action.status == ActionStatus.CANCELLED:
            continue
        if action.status == status:
            continue
        fields = {"status": status}
        if done_on is not None:
            fields["done_on"] = done_on
        try:
            do_update_action(action, actor=None, **fields)
        except ValidationError:
            # The initiative is no longer at step 7: the action is history, left as it is.
            continue
