"""Hand-built data for the home page tests: incidents in known SLA standings, clocks, KPIs."""

import datetime as dt
from itertools import count
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.kpis.models import Measurement
from kaizen.people.models import UserKind
from kaizen.sla.models import SLAClock, SLADefinition
from kaizen.testing import make_user

_numbers = count(1)


def caller(username: str | None = None) -> Any:
    return make_user(username or f"caller{next(_numbers)}", kind=UserKind.REQUESTER)


def open_incident(who: Any = None, *, actor: Any = None, **fields: Any) -> Incident:
    """Opened through the service (so journaled); `actor` None: the system opened it."""
    fields.setdefault("short_description", f"Broken thing {next(_numbers)}")
    return services.do_open_incident(actor=actor, caller=who or caller(), notify=False, **fields)


def comment(incident: Incident, author: Any, body: str = "Any news?") -> None:
    services.do_add_incident_comment(
        Incident.objects.get(pk=incident.pk), body, actor=author, notify=False
    )


def set_sla(incident: Incident, state: str, due_in: dt.timedelta | None) -> None:
    """Stand in for the SLA engine, which alone writes these two fields: called after the
    incident's last service write (each write refreshes them from the clocks)."""
    due = timezone.now() + due_in if due_in is not None else None
    Incident.objects.filter(pk=incident.pk).update(sla_state=state, sla_due_at=due)


def stopped_clock(
    incident: Incident,
    definition: SLADefinition,
    state: str,
    *,
    sequence: int,
    stopped_at: dt.datetime | None,
    kind: str = "resolution",
) -> SLAClock:
    start = (stopped_at or timezone.now()) - dt.timedelta(hours=1)
    return SLAClock.objects.create(
        ticket_type=ContentType.objects.get_for_model(Incident),
        ticket_id=incident.pk,
        sequence=sequence,
        definition=definition,
        kind=kind,
        state=state,
        target_us=3600 * 1_000_000,
        elapsed_us=1800 * 1_000_000,
        computed_at=stopped_at or timezone.now(),
        started_at=start,
        stopped_at=stopped_at,
        breached=state == "breached",
    )


def measure(key: str, start: dt.date, value: float) -> Measurement:
    return Measurement.objects.create(
        kpi_key=key,
        period_kind="month",
        period_start=start,
        value=value,
        n=10,
        computed_at=timezone.now(),
        source="engine",
    )


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def last_month() -> dt.date:
    return (this_month() - dt.timedelta(days=1)).replace(day=1)


def month_before_last() -> dt.date:
    return (last_month() - dt.timedelta(days=1)).replace(day=1)


def block(response: Any, key: str) -> Any:
    """The block `key` of a home page response (it fails when the block is not shown)."""
    blocks = {b.key: b for b in response.context["blocks"]}
    assert key in blocks, f"{key} not in {sorted(blocks)}"
    return blocks[key]


def figures(block: Any) -> dict[str, Any]:
    return {figure.label: figure.value for figure in block.figures}


def listed_count(client: Any, url: str) -> int:
    """How many records the list at `url` holds (what a person sees after the click)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page_obj"].paginator.count
