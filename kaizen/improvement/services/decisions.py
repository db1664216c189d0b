"""Step 6, present and use the information: the decision (implement, keep measuring or
stop) and the read-only link to the initiative's report."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kaizen.improvement import sharing
from kaizen.improvement.models import Decision, DecisionKind, Initiative, Status, Step
from kaizen.improvement.services.base import check_open, check_text, lock
from kaizen.journal.events import EventType
from kaizen.journal.services import apply_changes, record_event


@transaction.atomic
def do_record_decision(
    initiative: Initiative, *, actor: Any, decision: str, rationale: str
) -> Decision:
    """What the decision makers decided at step 6: implement (on to step 7), keep measuring
    (back to step 3, gathering more data) or stop (the initiative closes as stopped)."""
    lock(initiative)
    check_open(initiative)
    if initiative.current_step != Step.PRESENT:
        raise ValidationError(
            {
                "decision": "decisions are recorded at step 6; the initiative is at step "
                f"{initiative.current_step}"
            }
        )
    if decision not in DecisionKind.values:
        raise ValidationError({"decision": f"one of {', '.join(DecisionKind.values)}"})
    rationale = check_text(rationale, "rationale", "say why: the report shows it with the decision")
    if actor is None:
        raise ValidationError({"decided_by": "a decision is recorded by the person who made it"})
    now = timezone.now()
    record = Decision.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        decision=decision,
        rationale=rationale,
        decided_by=actor,
        decided_at=now,
    )
    step = int(initiative.current_step)
    if decision == DecisionKind.IMPLEMENT:
        changes = apply_changes(initiative, {"current_step": Step.IMPLEMENT}, ("current_step",))
    elif decision == DecisionKind.KEEP_MEASURING:
        changes = apply_changes(initiative, {"current_step": Step.GATHER}, ("current_step",))
    else:
        changes = apply_changes(
            initiative, {"status": Status.STOPPED, "closed_at": now}, ("status", "closed_at")
        )
    initiative.version += 1
    initiative.save()
    record_event(
        EventType.DECISION_RECORDED,
        initiative,
        actor=actor,
        changes=changes,
        data={
            "decision": record.pk,
            "kind": decision,
            "rationale": rationale,
            "cycle": record.cycle,
        },
    )
    if initiative.current_step != step:
        record_event(
            EventType.INITIATIVE_STEP_CHANGED,
            initiative,
            actor=actor,
            changes={"current_step": changes["current_step"]},
            data={"from": step, "to": int(initiative.current_step), "decision": record.pk},
        )
    return record


@transaction.atomic
def do_share_report(
    initiative: Initiative,
    *,
    actor: Any,
    days: int | None = None,
    expires_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> str:
    """A new read-only link to the initiative's report, returning its token: the only time it
    is known (only its SHA-256 is kept). It expires after `days`, at the end of `expires_on`,
    or after the default (kaizen.improvement.sharing.expiry). A link made while another one
    exists replaces it: the old one stops working."""
    lock(initiative)
    expires_at = sharing.expiry(days=days, expires_on=expires_on, now=now)
    replaced = sharing.is_live(initiative, now)
    token = sharing.new_token()
    initiative.share_token_hash = sharing.token_hash(token)
    initiative.share_expires_at = expires_at
    initiative.save(update_fields=["share_token_hash", "share_expires_at", "updated_at"])
    record_event(
        EventType.REPORT_SHARED,
        initiative,
        actor=actor,
        data={"shared": True, "expires_at": expires_at.isoformat(), "replaced": replaced},
    )
    return token


@transaction.atomic
def do_unshare_report(initiative: Initiative, *, actor: Any) -> None:
    """Revoke the report link (nothing to do when there is none)."""
    lock(initiative)
    if not initiative.share_token_hash:
        return
    expires_at = initiative.share_expires_at
    initiative.share_token_hash = None
    initiative.share_expires_at = None
    initiative.save(update_fields=["share_token_hash", "share_expires_at", "updated_at"])
    record_event(
        EventType.REPORT_UNSHARED,
        initiative,
        actor=actor,
        data={"shared": False, "expires_at": expires_at.isoformat() if expires_at else None},
    )
