"""How request types' and requests' journal events read in their history: hand-written lines
for each, recorded by the services themselves (the form and the answers in words, never JSON).
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.people.models import UserKind
from kaizen.requests.services.activity import do_add_request_attachment, do_add_request_comment
from kaizen.requests.services.lifecycle import do_put_on_hold
from kaizen.requests.services.records import do_update_request
from kaizen.requests.services.types import (
    do_change_form,
    do_set_approval_steps,
    do_set_task_templates,
    do_update_request_type,
)
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request, make_request_type
from kaizen.testing import make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def lines_for(subject, event_type, reader) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen, reader)]


def test_request_type_events_read_in_words(settings, admin_user):
    settings.TIME_ZONE = "UTC"
    team = make_team("Desktop", members=[admin_user])
    offering = make_offering(make_service("Workplace"), "Laptops")
    request_type = make_request_type(
        offering, form=LAPTOP_FORM, fulfilment_group=team, price="900.00", actor=admin_user
    )
    (created,) = lines_for(request_type, EventType.REQUEST_TYPE_CREATED, admin_user)
    assert created == [
        "Can be requested: Yes",
        "Offering: Workplace: Laptops",
        "Name: New laptop",
        "Audience: Everyone",
        "Fulfilment group: Desktop",
        "Price: 900.00",
        "Currency: EUR",
        "Current form: New laptop form v1",
        "Form: Model (choice, required): Standard 14-inch / Developer 16-inch; "
        "Why do you need the larger model? (long text, required, asked when model is "
        "Developer 16-inch); Needed by (date)",
    ]
    do_update_request_type(request_type, actor=admin_user, expected_version=None, is_active=False)
    assert lines_for(request_type, EventType.REQUEST_TYPE_UPDATED, admin_user) == [
        ["Can be requested: Yes → No"]
    ]
    do_change_form(
        request_type,
        [
            {"key": "count", "label": "How many", "type": "number", "min": 1, "max": 3},
            {"key": "dock", "label": "Dock", "type": "yes_no"},
            {
                "key": "where",
                "label": "Where",
                "type": "text",
                "show_if": {"field": "dock", "equals": True},
            },
        ],
        actor=admin_user,
        expected_version=None,
    )
    assert lines_for(request_type, EventType.REQUEST_FORM_CHANGED, admin_user) == [
        [
            "Current form: New laptop form v1 → New laptop form v2",
            "New form: How many (number, 1 to 3); Dock (yes / no); Where (text, asked when "
            "dock is yes)",
        ]
    ]
    approver = make_user("olga", first_name="Olga", last_name="Owner")
    do_set_approval_steps(
        request_type,
        [
            {"name": "Manager", "approver_source": "requester_manager"},
            {
                "name": "Owners",
                "approver_source": "people",
                "people": [approver.pk],
                "due_hours": 24,
                "due_action": "approve",
            },
        ],
        actor=admin_user,
        expected_version=None,
    )
    assert lines_for(request_type, EventType.REQUEST_APPROVAL_STEPS_SET, admin_user) == [
        [
            "Approval steps: (none) → 1. Manager: the requester's manager, any one approver; "
            "2. Owners: Olga Owner, any one approver, within 24 hours (else approve)"
        ]
    ]
    do_set_task_templates(
        request_type,
        [
            {"title": "Order it", "team": team.pk},
            {"title": "Set it up", "team": team.pk, "position": 2},
        ],
        actor=admin_user,
        expected_version=None,
    )
    assert lines_for(request_type, EventType.REQUEST_TASK_TEMPLATES_SET, admin_user) == [
        ["Fulfilment tasks: (none) → 1. Order it (Desktop); 2. Set it up (Desktop)"]
    ]


def test_request_events_read_in_words(settings, admin_user):
    settings.TIME_ZONE = "UTC"
    team = make_team("Desktop", members=[admin_user])
    offering = make_offering(make_service("Workplace"), "Laptops")
    request_type = make_request_type(offering, form=LAPTOP_FORM, fulfilment_group=team)
    rita = make_user("rita", kind=UserKind.REQUESTER, first_name="Rita", last_name="Requester")
    request = make_request(
        request_type,
        rita,
        {"model": "Developer 16-inch", "reason": "Builds", "needed_by": "2026-05-01"},
        at=AT,
    )
    (submitted,) = lines_for(request, EventType.REQUEST_SUBMITTED, admin_user)
    assert submitted == [
        "Answers: Model: Developer 16-inch; Reason: Builds; Needed by: 1 May 2026",
        f"Number: {request.number}",
        "Request type: New laptop",
        "Form version: New laptop form v1",
        "Title: New laptop",
        "Offering: Workplace: Laptops",
        "Service: Workplace",
        "Requested for: Rita Requester",
        "Requested by: Rita Requester",
        "Channel: portal",
        "State: Submitted",
        "Assignment group: Desktop",
        "Opened at: 2 Mar 2026, 09:00",
    ]
    assert lines_for(request, EventType.REQUEST_STATE_CHANGED, admin_user) == [
        ["State: Submitted → Approved", "Approved at: (none) → 2 Mar 2026, 09:00"]
    ]
    later = AT + dt.timedelta(hours=1)
    do_update_request(
        request, actor=admin_user, expected_version=None, assignee=admin_user, at=later
    )
    assert lines_for(request, EventType.REQUEST_UPDATED, admin_user) == [
        ["Assignee: (none) → Ada Admin", "Responded at: (none) → 2 Mar 2026, 10:00"]
    ]
    do_put_on_hold(request, "awaiting_requester", actor=admin_user, at=later)
    moves = lines_for(request, EventType.REQUEST_STATE_CHANGED, admin_user)
    assert moves[0] == ["State: Approved → On hold", "Hold reason: (none) → Awaiting the requester"]
    note = do_add_request_comment(request, "Asked finance", actor=admin_user, is_work_note=True)
    url = request.get_absolute_url()
    assert lines_for(request, EventType.REQUEST_WORK_NOTE_ADDED, admin_user) == [
        [f"Work note: “Asked finance” <{url}#comment-{note.pk}>"]
    ]
    comment = do_add_request_comment(request, "Which colour?", actor=admin_user)
    assert lines_for(request, EventType.REQUEST_COMMENTED, rita) == [
        [f"Comment: “Which colour?” <{url}#comment-{comment.pk}>"]
    ]
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", content_type="application/pdf")
    attachment = do_add_request_attachment(request, upload, actor=admin_user)
    assert lines_for(request, EventType.REQUEST_ATTACHMENT_ADDED, admin_user) == [
        [
            f"File: quote.pdf </requests/attachments/{attachment.pk}/>",
            "Size: 14\xa0bytes",
        ]
    ]
