"""Closing resolved incidents the caller neither reopened nor confirmed.

KAIZEN_AUTO_CLOSE_DAYS after resolution (0: never) the system closes the incident through the
lifecycle's own close (`do_change_incident_state`), so the journal has an ordinary state
change (actor: the system, with the reason in its data), the SLA clocks are refreshed and the
caller hears of it as after a manual close. A periodic task (kaizen.incidents.tasks) runs it.

Imported incidents are left as they are: their history is what happened in the other tool
(an incident resolved there and never closed stays so), and a close Kaizen made up would add
a closing time to figures that are meant to match the source.
"""

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.incidents.models import Incident, State
from kaizen.incidents.services.base import ConflictError
from kaizen.incidents.services.lifecycle import do_change_incident_state

logger = logging.getLogger(__name__)


def auto_close_days() -> int:
    """Days after resolution a resolved incident is closed by the system; 0 (or less): never."""
    return getattr(settings, "KAIZEN_AUTO_CLOSE_DAYS", 7)


def auto_close_at(incident: Incident) -> dt.datetime | None:
    """When the system will close this resolved incident (None: it will not)."""
    days = auto_close_days()
    if days <= 0 or incident.state != State.RESOLVED or incident.resolved_at is None:
        return None
    if incident.imported_from:
        return None
    return incident.resolved_at + dt.timedelta(days=days)


def due_for_closing(
    cutoff: dt.datetime, *, after_pk: int = 0, limit: int = 500
) -> list[tuple[int, int]]:
    """(id, version) of the incidents resolved at or before `cutoff`, by id after `after_pk`."""
    return list(
        Incident.objects.filter(
            state=State.RESOLVED, resolved_at__lte=cutoff, pk__gt=after_pk, imported_from=""
        )
        .order_by("pk")
        .values_list("pk", "version")[:limit]
    )


def close_batch(
    due: Sequence[tuple[int, int]], *, cutoff: dt.datetime, now: dt.datetime, days: int
) -> int:
    """Close the incidents of one batch in one transaction; returns how many were closed.

    The rows are claimed first: locked, still resolved and still due (on PostgreSQL rows another
    worker holds are skipped, SKIP LOCKED, and left to it). Each close then checks the version
    read when the batch was chosen, so an incident changed meanwhile (edited, reopened and
    resolved again) is left for the next run. One that cannot be closed (a refused move) is
    rolled back alone and the rest of the batch goes on.
    """
    versions = dict(due)
    reason = f"closed automatically {days} day{'s' if days != 1 else ''} after resolution"
    closed, refused = 0, []
    with transaction.atomic():
        claimed = list(
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(versions), state=State.RESOLVED, resolved_at__lte=cutoff)
            .order_by("pk")
        )
        for incident in claimed:
            try:
                do_change_incident_state(
                    incident,
                    State.CLOSED,
                    actor=None,
                    expected_version=versions[incident.pk],
                    at=now,
                    reason=reason,
                )
            except ConflictError:
                logger.info("auto-close: %s changed meanwhile; next run", incident.number)
            except ValidationError as exc:
                refused.append(f"{incident.number} ({'; '.join(exc.messages)})")
            else:
                closed += 1
    if refused:
        # Tried again at each run until someone fixes them (e.g. imported without notes).
        logger.warning(
            "auto-close: %d resolved incident(s) cannot be closed: %s%s",
            len(refused),
            ", ".join(refused[:10]),
            ", ..." if len(refused) > 10 else "",
        )
    return closed


def do_auto_close_resolved(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Close, as the system, every incident resolved at or before `now` − KAIZEN_AUTO_CLOSE_DAYS;
    returns how many were closed. Each batch of `batch_size` commits on its own."""
    days = auto_close_days()
    if days <= 0:
        return 0
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    closed, after_pk = 0, 0
    while due := due_for_closing(cutoff, after_pk=after_pk, limit=batch_size):
        closed += close_batch(due, cutoff=cutoff, now=now, days=days)
        after_pk = due[-1][0]
    return closed
