"""How a fulfilment task's journal events read in its history: hand-written lines for each,
recorded by the task services themselves."""

import datetime as dt

import pytest

# Registered from RequestsConfig.ready() once the app imports it; importing it twice is harmless.
import kaizen.requests.task_event_shapes  # noqa: F401
from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.requests.models import HoldReason
from kaizen.requests.services.tasks import (
    do_add_task_note,
    do_assign_task,
    do_complete_task,
    do_hold_task,
    do_resume_task,
    do_start_task,
)
from kaizen.requests.tests.factories import make_request, make_request_type
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def lines_for(subject, event_type, reader) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in reversed(present(chosen, reader))]


def test_task_events_read_in_words(settings):
    settings.TIME_ZONE = "UTC"
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    stores = make_team("Stores", members=[ada])
    request_type = make_request_type(
        tasks=[
            {"title": "Take from stock", "team": stores.pk, "instructions": "Shelf B"},
            {"position": 2, "title": "Image it", "team": stores.pk},
        ]
    )
    request = make_request(request_type, make_user("rita"), at=AT)
    first, second = request.tasks.order_by("position")
    assert lines_for(first, EventType.REQUEST_TASK_CREATED, ada) == [
        [
            f"Number: {first.number}",
            f"Request: {request.number} New laptop",
            "Position: 1",
            "Title: Take from stock",
            "Instructions: Shelf B",
            "Assignment group: Stores",
            "State: Open",
            "Opened at: 2 Mar 2026, 09:00",
            "Ready at: 2 Mar 2026, 09:00",
        ]
    ]
    do_assign_task(
        first, actor=ada, expected_version=1, assignment_group=stores, assignee=ada, at=AT
    )
    assert lines_for(first, EventType.REQUEST_TASK_UPDATED, ada) == [
        ["Assignee: (none) → Ada Lovelace"]
    ]
    do_start_task(first, actor=ada, at=AT + MINUTE)
    do_hold_task(first, HoldReason.AWAITING_STOCK, actor=ada, at=AT + 2 * MINUTE)
    do_resume_task(first, actor=ada, at=AT + 3 * MINUTE)
    do_add_task_note(first, "Called the supplier", actor=ada, at=AT + 4 * MINUTE)
    assert lines_for(first, EventType.REQUEST_TASK_COMMENTED, ada) == [
        ["Work note: Called the supplier"]
    ]
    do_complete_task(first, actor=ada, note="Serial 123", at=AT + 5 * MINUTE)
    assert lines_for(first, EventType.REQUEST_TASK_STATE_CHANGED, ada) == [
        ["State: Open → In progress", "Started at: (none) → 2 Mar 2026, 09:01"],
        ["Waiting for: (none) → Awaiting stock", "State: In progress → On hold"],
        ["Waiting for: Awaiting stock → (none)", "State: On hold → In progress"],
        [
            "Outcome: (none) → Serial 123",
            "State: In progress → Done",
            "Finished at: (none) → 2 Mar 2026, 09:05",
        ],
    ]
    # The second task opens when the first is done.
    assert lines_for(second, EventType.REQUEST_TASK_STATE_CHANGED, ada) == [
        ["State: Waiting for earlier tasks → Open", "Ready at: (none) → 2 Mar 2026, 09:05"]
    ]
