"""What every write of the improvement register shares: the checks of its input, the
initiative's row lock, the step after which the processing is fixed, and the shape of a
KPI's journal data."""

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from kaizen.core.errors import StaleRecord
from kaizen.improvement.models import OPEN_STATUSES, Initiative, InitiativeKPI, Step
from kaizen.people.models import User

M = TypeVar("M", bound=Model)

LAST_PROCESSING_STEP = Step.ANALYSE  # processing and cleaning fixed once the decision is due


def local_today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def check_agent(user: Any, field: str, *, required: bool = True) -> None:
    if user is None:
        if required:
            raise ValidationError({field: "choose a person"})
        return
    if not isinstance(user, User) or not (user.is_active and user.is_agent):
        raise ValidationError({field: f"{user} is not an active agent"})


def check_text(value: Any, field: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def check_number(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({field: "a number"})
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ValidationError({field: "a number"}) from error


def check_open(initiative: Initiative) -> None:
    if initiative.status not in OPEN_STATUSES:
        raise ValidationError(
            {
                "status": f"{initiative.reference} is {initiative.get_status_display().lower()}: "
                "a closed initiative does not change; open its next cycle instead"
            }
        )


def lock(initiative: Initiative) -> Initiative:
    """The initiative's row locked for the rest of the transaction, read again into the
    caller's instance (so a gate is judged on what is stored, not on a stale copy)."""
    initiative.refresh_from_db(from_queryset=Initiative.objects.select_for_update())
    return initiative


class OutputChanged(StaleRecord):
    """A record journaled on its initiative (an action, a KPI) changed since the caller read
    it: names who changed it when, and the version to read again (the API answers 409 with
    both). Its events carry its id in their data under `key`."""

    def __init__(
        self,
        record: Any,
        initiative: Initiative,
        expected_version: int,
        *,
        name: str,
        noun: str,
        key: str,
        event_types: Iterable[str],
    ) -> None:
        from kaizen.journal.models import JournalEvent

        self.record = record
        self.current_version = record.version
        last = (
            JournalEvent.objects.for_subject(initiative)
            .filter(event_type__in=list(event_types), **{f"data__{key}": record.pk})
            .select_related("actor")
            .order_by("-id")
            .first()
        )
        who, when = "someone else", ""
        if last is not None:
            who = str(last.actor) if last.actor else "the system"
            local = timezone.localtime(last.occurred_at)
            when = f" at {local:%d %b %Y %H:%M} {local.tzname()}"
        super().__init__(
            f"{name} was changed by {who}{when} while you were working on it (version "
            f"{record.version}, you had version {expected_version}). Your change was not "
            f"saved: reload the {noun}, check their change and try again."
        )

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": str(self), "current_version": self.current_version}


def lock_output(
    record: M, initiative: Initiative, expected_version: int | None, **kwargs: Any
) -> M:
    """The record's row locked and read again (the initiative is locked already), or
    OutputChanged when it is no longer at `expected_version` (None: no check)."""
    model = type(record)
    locked = (
        model._default_manager.select_for_update(of=("self",))
        .select_related(*kwargs.pop("related", ()))
        .get(pk=record.pk)
    )
    locked.initiative = initiative  # type: ignore[attr-defined]
    if expected_version is not None and locked.version != expected_version:  # type: ignore[attr-defined]
        raise OutputChanged(locked, initiative, expected_version, **kwargs)
    return locked


def copy_into(target: Model, source: Model) -> None:
    """Let the caller's object show the stored record (the services return it)."""
    if target is source:
        return
    for model_field in type(source)._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(source, model_field.attname))
    target._state.fields_cache = dict(source._state.fields_cache)


def resolve(model: type[Model], items: Iterable[Any], field: str) -> list[Any]:
    """Instances of `model` from instances or primary keys; an unknown key names the field."""
    items = list(items or ())
    wanted = [item for item in items if not isinstance(item, model)]
    found = {obj.pk: obj for obj in model._default_manager.filter(pk__in=wanted)}
    resolved = []
    for item in items:
        if isinstance(item, model):
            resolved.append(item)
        elif item in found:
            resolved.append(found[item])
        else:
            raise ValidationError({field: f"no {model._meta.verbose_name} {item!r}"})
    return list({obj.pk: obj for obj in resolved}.values())


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def kpi_data(ikpi: InitiativeKPI, **extra: Any) -> dict[str, Any]:
    return {"initiative_kpi": ikpi.pk, "kpi_key": ikpi.kpi_key, **extra}
