"""Past changes for the risk tests, written straight to the table: the evidence only reads
closed changes, and walking hundreds through the lifecycle would test the lifecycle again."""

import datetime as dt
from itertools import count
from typing import Any

from kaizen.changes.models import Change, ChangeType, State
from kaizen.changes.tests.factories import T0
from kaizen.people.models import User

_numbers = count(1)


def past_change(
    requester: User,
    *,
    closure_code: str = "successful",
    ended: dt.datetime = T0 - dt.timedelta(days=30),
    services=(),
    cis=(),
    **fields: Any,
) -> Change:
    """A closed change implemented in the hour before `ended`, closed a day after it."""
    fields.setdefault("change_type", ChangeType.NORMAL)
    change = Change.objects.create(
        number=f"CHG9{next(_numbers):05d}",
        title="A past change",
        requester=requester,
        state=State.CLOSED,
        closure_code=closure_code,
        opened_at=ended - dt.timedelta(days=5),
        authorised_at=ended - dt.timedelta(days=2),
        actual_start=ended - dt.timedelta(hours=1),
        actual_end=ended,
        reviewed_at=ended + dt.timedelta(hours=12),
        closed_at=ended + dt.timedelta(days=1),
        updated_at=ended + dt.timedelta(days=1),
        **fields,
    )
    change.services.set(list(services))
    change.configuration_items.set(list(cis))
    return change
