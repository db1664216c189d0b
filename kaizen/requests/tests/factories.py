"""Request types and requests for the tests of this app (and of the apps above it)."""

from typing import Any

from kaizen.catalog.models import ServiceOffering
from kaizen.people.models import Team, User
from kaizen.requests.models import RequestType, ServiceRequest
from kaizen.requests.services.records import do_submit_request
from kaizen.requests.services.types import (
    do_create_request_type,
    do_set_approval_steps,
    do_set_task_templates,
)
from kaizen.testing import make_offering, make_service, make_team, make_user

LAPTOP_FORM = [
    {
        "key": "model",
        "label": "Model",
        "type": "choice",
        "required": True,
        "choices": ["Standard 14-inch", "Developer 16-inch"],
    },
    {
        "key": "reason",
        "label": "Why do you need the larger model?",
        "type": "long_text",
        "required": True,
        "show_if": {"field": "model", "equals": "Developer 16-inch"},
    },
    {"key": "needed_by", "label": "Needed by", "type": "date"},
]


def make_request_type(
    offering: ServiceOffering | None = None,
    *,
    form: list[dict[str, Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    tasks: list[dict[str, Any]] | None = None,
    actor: User | None = None,
    **fields: Any,
) -> RequestType:
    if offering is None:
        offering = make_offering(make_service())
    fields.setdefault("name", "New laptop")
    request_type = do_create_request_type(
        actor=actor, offering=offering, form_fields=form or [], **fields
    )
    if steps:
        do_set_approval_steps(request_type, steps, actor=actor, expected_version=None)
    if tasks:
        do_set_task_templates(request_type, tasks, actor=actor, expected_version=None)
    request_type.refresh_from_db()
    return request_type


def make_request(
    request_type: RequestType,
    requester: User,
    answers: dict[str, Any] | None = None,
    **kwargs: Any,
) -> ServiceRequest:
    return do_submit_request(request_type, actor=requester, answers=answers or {}, **kwargs)


def desk_team(*members: User) -> Team:
    return make_team(members=list(members) or [make_user()])
