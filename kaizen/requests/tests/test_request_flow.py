"""A request from submission to fulfilment through the services: the states, the form
version kept, the tasks in sequence and the journal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.people.models import UserKind
from kaizen.requests.models import State, TaskState
from kaizen.requests.services.lifecycle import do_cancel_request, do_fulfil_request
from kaizen.requests.services.types import do_change_form
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request, make_request_type
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_type_without_approval_or_tasks_is_approved_at_once_and_fulfilled_by_hand():
    requester = make_user(kind=UserKind.REQUESTER)
    request_type = make_request_type(form=LAPTOP_FORM)
    request = make_request(request_type, requester, {"model": "Standard 14-inch"}, at=AT)
    assert request.number.startswith("REQ")
    assert request.state == State.APPROVED
    assert request.approved_at == AT
    assert request.answers == {"model": "Standard 14-inch"}
    do_fulfil_request(request, actor=make_user(), at=AT + dt.timedelta(hours=3))
    request.refresh_from_db()
    assert request.state == State.FULFILLED
    assert request.clock_phase == "done"
    kinds = list(JournalEvent.objects.for_subject(request).values_list("event_type", flat=True))
    assert kinds == [
        EventType.REQUEST_SUBMITTED,
        EventType.REQUEST_STATE_CHANGED,
        EventType.REQUEST_STATE_CHANGED,
    ]


def test_answers_are_checked_against_the_form_and_the_error_names_the_field():
    request_type = make_request_type(form=LAPTOP_FORM)
    requester = make_user(kind=UserKind.REQUESTER)
    with pytest.raises(ValidationError) as refused:
        make_request(request_type, requester, {"model": "Developer 16-inch"})
    assert refused.value.message_dict == {"reason": ["this field is required"]}


def test_an_earlier_request_keeps_the_form_version_it_answered():
    request_type = make_request_type(form=LAPTOP_FORM)
    first = make_request(request_type, make_user(), {"model": "Standard 14-inch"})
    do_change_form(
        request_type,
        [{"key": "colour", "label": "Colour", "type": "text"}],
        actor=None,
        expected_version=None,
    )
    request_type.refresh_from_db()
    second = make_request(request_type, make_user(), {"colour": "grey"})
    first.refresh_from_db()
    assert first.form_version.number == 1
    assert first.form_version.fields[0]["key"] == "model"
    assert second.form_version.number == 2


def test_tasks_run_in_sequence_and_the_last_one_done_fulfils_the_request():
    desk, stores = make_team(), make_team()
    request_type = make_request_type(
        tasks=[
            {"position": 1, "title": "Take from stock", "team": stores.pk},
            {"position": 2, "title": "Image it", "team": desk.pk},
        ]
    )
    request = make_request(request_type, make_user(), at=AT)
    assert request.state == State.IN_FULFILMENT
    first, second = request.tasks.order_by("position")
    assert (first.state, second.state) == (TaskState.OPEN, TaskState.WAITING)


def test_a_cancelled_request_cannot_be_fulfilled_and_its_tasks_are_cancelled():
    request_type = make_request_type(tasks=[{"title": "Do it", "team": make_team().pk}])
    request = make_request(request_type, make_user(), at=AT)
    do_cancel_request(request, actor=request.requested_for, reason="not needed", at=AT)
    request.refresh_from_db()
    assert request.state == State.CANCELLED
    assert list(request.tasks.values_list("state", flat=True)) == [TaskState.CANCELLED]
    with pytest.raises(Conflict):
        do_fulfil_request(request, actor=None)


def test_the_journal_alone_rebuilds_request_types_requests_and_tasks():
    from kaizen.journal.verify import registered, verify_kind

    desk = make_team()
    request_type = make_request_type(
        form=LAPTOP_FORM,
        tasks=[{"position": 1, "title": "Take from stock", "team": desk.pk}],
        audience="restricted",
        allowed_teams=[desk],
    )
    member = make_user()
    desk.members.add(member)
    request = make_request(request_type, member, {"model": "Standard 14-inch"}, at=AT)
    do_cancel_request(request, actor=member, reason="changed my mind", at=AT)
    reports = {
        kind.name: verify_kind(kind) for kind in registered() if kind.name.startswith("requests.")
    }
    assert {name: report.mismatches for name, report in reports.items()} == {
        "requests.request": [],
        "requests.request_type": [],
        "requests.task": [],
    }
    assert reports["requests.request"].records == 1
    assert reports["requests.task"].events == 2


def test_a_restricted_type_refuses_people_outside_its_audience():
    request_type = make_request_type(audience="restricted", allowed_people=[make_user()])
    with pytest.raises(ValidationError) as refused:
        make_request(request_type, make_user(kind=UserKind.REQUESTER))
    assert "request_type" in refused.value.message_dict
