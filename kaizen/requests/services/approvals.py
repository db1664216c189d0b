"""A request's approval: the type's steps copied onto the request when it is submitted, run in
sequence; each step's approvers resolved when the step starts (the requester's manager, the
service owner, a team's members, named people), never the requester or the person who
submitted it.

The decisions (policies any / all / k of n, decided early when certain, delegation while
away, due dates with their default action, one-time e-mail links) build on this module.
"""

import datetime as dt

from django.db import transaction

from kaizen.people.models import User
from kaizen.requests.models import (
    ApprovalVote,
    ApproverSource,
    RequestApproval,
    ServiceRequest,
    StepState,
)


def approvers_for(step: RequestApproval, request: ServiceRequest) -> list[User]:
    """Who decides the step, without the requester and the submitter (nobody approves their
    own request)."""
    template = request.request_type.approval_steps.filter(position=step.position).first()
    source = step.approver_source
    people: list[User] = []
    if source == ApproverSource.REQUESTER_MANAGER:
        manager = request.requested_for.manager
        people = [manager] if manager else []
    elif source == ApproverSource.SERVICE_OWNER:
        owner = request.service.owner
        people = [owner] if owner else []
    elif source == ApproverSource.TEAM and template is not None and template.team is not None:
        people = list(template.team.members.filter(is_active=True))
    elif source == ApproverSource.PEOPLE and template is not None:
        people = list(template.people.filter(is_active=True))
    own = {request.requested_for_id, request.requested_by_id}
    return [person for person in people if person.is_active and person.pk not in own]


def _start_step(step: RequestApproval, request: ServiceRequest, at: dt.datetime) -> None:
    step.state = StepState.PENDING
    step.started_at = at
    if step.due_hours:
        step.due_at = at + dt.timedelta(hours=step.due_hours)
    step.save(update_fields=["state", "started_at", "due_at"])
    ApprovalVote.objects.bulk_create(
        ApprovalVote(approval=step, approver=person) for person in approvers_for(step, request)
    )


@transaction.atomic
def do_open_approval(request: ServiceRequest, *, at: dt.datetime) -> bool:
    """Copy the type's steps onto the request and start the first; False when the type has
    none (the request is approved at once)."""
    templates = list(request.request_type.approval_steps.all())
    if not templates:
        return False
    steps = RequestApproval.objects.bulk_create(
        RequestApproval(
            request=request,
            position=template.position,
            name=template.name,
            approver_source=template.approver_source,
            policy=template.policy,
            required=template.required,
            due_hours=template.due_hours,
            due_action=template.due_action,
        )
        for template in templates
    )
    _start_step(min(steps, key=lambda step: step.position), request, at)
    return True


def withdraw_open_approvals(request: ServiceRequest, *, at: dt.datetime) -> None:
    """A cancelled request's steps still waiting or pending are withdrawn."""
    request.approvals.filter(state__in=(StepState.WAITING, StepState.PENDING)).update(
        state=StepState.WITHDRAWN, decided_at=at
    )
