"""Submitting a request (the form's answers checked against the type's current form version)
and the agent's edits of who works it."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from kaizen.core.errors import Conflict
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes
from kaizen.people.models import Team, User
from kaizen.requests import permissions
from kaizen.requests.form_schema import clean_answers
from kaizen.requests.models import RequestType, ServiceRequest
from kaizen.requests.services.base import (
    REQUESTS,
    derive_clock_fields,
    moment,
    next_request_number,
)
from kaizen.requests.services.lifecycle import do_start_request

EDITABLE_FIELDS = ("title", "assignment_group", "assignee")


def _check_requester(request_type: RequestType, actor: User, requested_for: User) -> None:
    if not request_type.is_active:
        raise ValidationError({"request_type": f"{request_type} can no longer be requested"})
    offering = request_type.offering
    if not (offering.is_active and offering.is_requestable):
        raise ValidationError({"request_type": f"{offering} is not requestable now"})
    if requested_for != actor and not permissions.can_request_for_others(actor):
        raise ValidationError(
            {"requested_for": "only service desk agents request on someone else's behalf"}
        )
    if not requested_for.is_active:
        raise ValidationError({"requested_for": f"{requested_for} is not an active person"})
    if not permissions.may_request(requested_for, request_type):
        who = "You are" if requested_for == actor else f"{requested_for} is"
        raise ValidationError({"request_type": f"{who} not among those who may request it"})


@transaction.atomic
def do_submit_request(
    request_type: RequestType,
    *,
    actor: User,
    answers: Mapping[str, Any],
    files: Mapping[str, list[UploadedFile]] | None = None,
    requested_for: User | None = None,
    channel: str = "portal",
    title: str = "",
    at: dt.datetime | None = None,
) -> ServiceRequest:
    """Check the answers against the type's current form, record the request with that form
    version, store the files of attachment fields, then start its approval (or approve it at
    once when the type has no approval steps)."""
    at = moment(at)
    requested_for = requested_for or actor
    _check_requester(request_type, actor, requested_for)
    form = request_type.current_form
    cleaned = clean_answers(form.fields if form else [], answers, files)
    request = ServiceRequest(
        number=next_request_number(),
        request_type=request_type,
        form_version=form,
        answers=cleaned.answers,
        title=(title.strip() or request_type.name)[:200],
        offering=request_type.offering,
        service=request_type.offering.service,
        requested_for=requested_for,
        requested_by=actor,
        channel=channel,
        assignment_group=request_type.fulfilment_group,
        price=request_type.price,
        opened_at=at,
        updated_at=at,
    )
    derive_clock_fields(request)
    request.save()
    REQUESTS.record_created(EventType.REQUEST_SUBMITTED, request, actor=actor, at=at)
    REQUESTS.after_write(request)
    if cleaned.files:
        from kaizen.requests.services.activity import do_add_request_attachment

        for key, uploads in cleaned.files.items():
            for upload in uploads:
                do_add_request_attachment(request, upload, actor=actor, at=at, field_key=key)
    do_start_request(request, actor=actor, at=at)
    return request


@transaction.atomic
def do_update_request(
    request: ServiceRequest,
    *,
    actor: User | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> ServiceRequest:
    """Who works it and its one-line title. The first assignment by an agent is the request's
    response."""
    at = moment(at)
    locked = REQUESTS.lock(request, expected_version)
    if not locked.is_open:
        raise Conflict(f"{locked.number} is {locked.get_state_display().lower()}: no more changes")
    before = REQUESTS.snapshot(locked)
    apply_changes(locked, fields, EDITABLE_FIELDS)
    errors: dict[str, str] = {}
    if not locked.title.strip():
        errors["title"] = "say in a line what is requested"
    group: Team | None = locked.assignment_group
    if (
        locked.assignee_id
        and group is not None
        and not group.members.filter(pk=locked.assignee_id).exists()
    ):
        errors["assignee"] = f"{locked.assignee} is not a member of {group}"
    if errors:
        raise ValidationError(errors)
    if locked.assignee_id and locked.responded_at is None:
        locked.responded_at = at
    REQUESTS.finish(locked, request, before, EventType.REQUEST_UPDATED, actor=actor, at=at)
    return request
