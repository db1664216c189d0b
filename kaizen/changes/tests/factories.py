"""Changes ready for the step a test is about, made through the services."""

import datetime as dt
from typing import Any

from kaizen.changes import services
from kaizen.changes.models import Change, ChangeTemplate, ChangeType
from kaizen.people.models import User
from kaizen.testing import make_ci, make_service

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


def complete_fields(**overrides: Any) -> dict[str, Any]:
    """Everything a normal change needs to be submitted."""
    fields: dict[str, Any] = {
        "title": "Upgrade the mail gateway to 10.2",
        "description": "Apply vendor release 10.2 on both gateway nodes.",
        "justification": "10.1 is out of support in April.",
        "implementation_plan": "Fail over to node B, upgrade A, fail back, upgrade B.",
        "backout_plan": "Reinstall 10.1 from the snapshot taken before.",
        "planned_start": T0 + dt.timedelta(days=7),
        "planned_end": T0 + dt.timedelta(days=7, hours=2),
    }
    fields.update(overrides)
    return fields


def raise_change(actor: User, *, services_=None, cis=None, at=T0, **overrides: Any) -> Change:
    if services_ is None and cis is None:
        services_ = [make_service()]
    return services.do_raise_change(
        actor=actor,
        at=at,
        services=services_,
        configuration_items=cis or [],
        **complete_fields(**overrides),
    )


def approved_template(proposer: User, approver: User, **fields: Any) -> ChangeTemplate:
    template = services.do_propose_template(
        actor=proposer,
        at=T0 - dt.timedelta(days=30),
        name=fields.pop("name", "Restart the web tier"),
        description="Rolling restart of the web nodes.",
        implementation_plan="Drain, restart and re-enable each node in turn.",
        backout_plan="Nothing to undo: bring the node back into the pool.",
        services=fields.pop("services", [make_service()]),
        configuration_items=fields.pop("configuration_items", [make_ci()]),
        **fields,
    )
    return services.do_decide_template(
        template, approve=True, actor=approver, at=T0 - dt.timedelta(days=29)
    )


def move(change: Change, state: str, actor: User, at: dt.datetime, **kwargs: Any) -> Change:
    return services.do_move_change(
        change, state, actor=actor, expected_version=None, at=at, **kwargs
    )


def authorised_normal_change(actor: User, **overrides: Any) -> Change:
    change = raise_change(actor, **overrides)
    move(change, "assess", actor, T0 + dt.timedelta(hours=1))
    move(change, "authorise", actor, T0 + dt.timedelta(hours=2))
    services.do_decide_authorisation(
        change, authorised=True, actor=None, at=T0 + dt.timedelta(days=1)
    )
    change.refresh_from_db()
    assert change.change_type == ChangeType.NORMAL
    return change
