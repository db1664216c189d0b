"""What the home page shows a person: "what needs me now", one set of blocks per role they hold.

Each block has a title, its figures, the records behind them, and a link to the list that shows
exactly the records counted (a queue with a filter, the register at a step...). A block is built
only for a person who may open what it links to (each app's permissions). The reads are a fixed
number of queries per block, whatever the number of records (tests/test_query_counts.py).

The blocks of every role a person holds are shown together, the most urgent first (something
breached, failed or stopped; then something needing attention; then the rest, in role order).
What each block counts is written down in docs/home.md.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

import duckdb
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from kaizen.analytics.store import connect, store_path
from kaizen.analytics.sync import CURSOR, SYNCED_AT, read_state
from kaizen.availability.models import Outage, OutageStatus
from kaizen.availability.selectors import AvailabilityBook
from kaizen.catalog.selectors import services_for
from kaizen.changes.cab_selectors import waiting_for as approvals_waiting_for
from kaizen.changes.models import Change
from kaizen.changes.models import State as ChangeState
from kaizen.core.heartbeats import (
    ANALYTICS_SYNC,
    NOTIFICATION_RETRY,
    SLA_SCAN,
    WORKER_SILENT_AFTER,
    last_heartbeats,
)
from kaizen.imports.models import ImportRun, RunStatus
from kaizen.imports.permissions import can_import
from kaizen.imports.services import STALE_AFTER
from kaizen.improvement import gates
from kaizen.improvement.models import Initiative, Opportunity, OpportunityStatus, Status, Step
from kaizen.improvement.permissions import can_manage_register
from kaizen.incidents.models import (
    OPEN_STATES,
    Incident,
    IncidentQuerySet,
    OnHoldReason,
    SlaState,
    State,
)
from kaizen.incidents.permissions import can_work_incidents
from kaizen.incidents.selectors import (
    BREACHING_HORIZON,
    caller_updated,
    incidents_for,
    month_start,
    sla_standing,
)
from kaizen.journal.models import JournalEvent
from kaizen.kpis.permissions import can_view_kpis
from kaizen.kpis.selectors import ScorecardRow, scorecard
from kaizen.kpis.selectors import Status as KpiStatus
from kaizen.kpis.spec import Direction
from kaizen.kpis.templatetags.kpis import kpi_value
from kaizen.notifications.models import Notification
from kaizen.notifications.permissions import can_view_outbox
from kaizen.people.models import Process, Role, User, UserKind
from kaizen.people.permissions import LEADERSHIP, is_admin, is_agent, roles_of
from kaizen.people.roles import SHORT_NAMES, role_title
from kaizen.sla.models import ClockState, SLAClock

ROWS = 5  # records listed under a block's figures
# Urgency of a block: its place on the page (highest first) and its colour.
URGENT, ATTENTION, CALM = 2, 1, 0


@dataclass
class Figure:
    label: str
    value: int | str
    url: str = ""
    tone: str = ""  # Bootstrap colour of the figure: danger, warning, success or "" (plain)


@dataclass
class Row:
    text: str
    url: str = ""
    detail: str = ""  # words after the text ("Step 3: KPI x has no target")
    when_label: str = ""  # "due", "opened": shown before `when` as "due in 2 hours"
    when: dt.datetime | None = None
    badge: str = ""
    tone: str = ""


@dataclass
class Block:
    key: str  # stable, for tests and the page's element ids: "agent-mine"
    role: str  # the role it is shown for: "Agent", "Incident manager"
    title: str
    link_label: str
    link_url: str
    empty_text: str  # said plainly instead of the figures when there is nothing to show
    figures: list[Figure] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    note: str = ""  # how to read the figures, when it is not obvious
    urgency: int = CALM
    empty: bool = False


def _url(name: str, *args: object, **query: object) -> str:
    base = reverse(name, args=args)
    return f"{base}?{urlencode(query)}" if query else base


def _tone(count: int, tone: str) -> str:
    return tone if count else ""


# -- agents: my work ---------------------------------------------------------------------------

INCIDENT_ROW_FIELDS = ("number", "short_description", "sla_due_at", "sla_state")


def _standing(sla_state: str, due: dt.datetime | None, soon: dt.datetime) -> tuple[str, str]:
    """The badge of a listed incident: its SLA standing, as the figures count it."""
    if sla_state == SlaState.BREACHED:
        return "Breached", "danger"
    if sla_state == SlaState.WARNING or (
        sla_state == SlaState.OK and due is not None and due <= soon
    ):
        return "Breaching soon", "warning"
    return "On track", ""


def _incident_rows(incidents: IncidentQuerySet) -> list[Row]:
    """The first ROWS incidents of `incidents` (already ordered), nearest due first."""
    soon = timezone.now() + BREACHING_HORIZON
    rows = []
    for incident in incidents.values(*INCIDENT_ROW_FIELDS)[:ROWS]:
        badge, tone = _standing(incident["sla_state"], incident["sla_due_at"], soon)
        rows.append(
            Row(
                text=f"{incident['number']} {incident['short_description']}",
                url=reverse("incidents:detail", args=[incident["number"]]),
                when_label="due" if incident["sla_due_at"] else "no SLA clock running",
                when=incident["sla_due_at"],
                badge=badge,
                tone=tone,
            )
        )
    return rows


def _incident_list_block(
    key: str,
    title: str,
    incidents: IncidentQuerySet,
    *,
    link_label: str,
    link_url: str,
    figure_label: str,
    tone: str,
    empty_text: str,
) -> Block:
    """An agent's block of one list of incidents: its count (linking to the same list in the
    queue), the nearest due of them, attention when there are any."""
    count = incidents.count()
    return Block(
        key=key,
        role="Agent",
        title=title,
        link_label=link_label,
        link_url=link_url,
        empty_text=empty_text,
        figures=[Figure(figure_label, count, link_url, tone)],
        rows=_incident_rows(incidents.order_by("sla_due_at", "pk")) if count else [],
        urgency=ATTENTION if count else CALM,
        empty=not count,
    )


def agent_blocks(user: User) -> list[Block]:
    visible = incidents_for(user)
    mine = visible.open().filter(assignee=user)
    teams = visible.open().filter(assignment_group__members=user)
    counts = {name: sla_standing(mine, name).count() for name in ("breached", "breaching")}
    counts["on_track"] = sla_standing(mine, "on_track").count()
    total = sum(counts.values())
    my_incidents = Block(
        key="agent-mine",
        role="Agent",
        title="My open incidents by SLA",
        link_label="All my open incidents",
        link_url=_url("incidents:queue", "mine", sort="sla_due"),
        empty_text="No open incident is assigned to you.",
        figures=[
            Figure(
                "Breached",
                counts["breached"],
                _url("incidents:queue", "mine", sla="breached", sort="sla_due"),
                _tone(counts["breached"], "danger"),
            ),
            Figure(
                "Breaching soon",
                counts["breaching"],
                _url("incidents:queue", "mine", sla="breaching", sort="sla_due"),
                _tone(counts["breaching"], "warning"),
            ),
            Figure(
                "On track",
                counts["on_track"],
                _url("incidents:queue", "mine", sla="on_track", sort="sla_due"),
            ),
        ],
        rows=_incident_rows(mine.order_by("sla_due_at", "pk")) if total else [],
        note="Nearest due first.",
        urgency=URGENT if counts["breached"] else ATTENTION if counts["breaching"] else CALM,
        empty=not total,
    )

    team_breaching = _incident_list_block(
        "agent-team-breaching",
        "Breaching soon in my teams",
        sla_standing(teams, "breaching"),
        link_label="My teams' incidents breaching soon",
        link_url=_url("incidents:queue", "team", sla="breaching", sort="sla_due"),
        figure_label="Breaching soon",
        tone="warning",
        empty_text="Nothing breaching soon in your teams.",
    )
    callers = _incident_list_block(
        "agent-caller-updated",
        "Updated by the caller",
        caller_updated(mine),
        link_label="My incidents the caller updated",
        link_url=_url("incidents:queue", "mine", attention="caller_updated", sort="sla_due"),
        figure_label="Since you last acted",
        tone="warning",
        empty_text="No caller has updated your incidents since you last acted on them.",
    )
    team_unassigned = _incident_list_block(
        "agent-team-unassigned",
        "Unassigned in my teams",
        teams.filter(assignee__isnull=True),
        link_label="My teams' unassigned incidents",
        link_url=_url("incidents:queue", "team", attention="unassigned", sort="sla_due"),
        figure_label="Nobody assigned",
        tone="",
        empty_text="Every open incident of your teams has someone on it.",
    )
    return [my_incidents, team_breaching, callers, team_unassigned]


# -- process owners and managers, the CSI manager: KPIs ---------------------------------------

OFF_TARGET = (KpiStatus.RED, KpiStatus.AMBER)


def _trend(row: ScorecardRow) -> str:
    """The latest finished month against the month measured before it, in the KPI's own
    sense (the unfinished month, "so far", is not compared: the scorecard does not judge it)."""
    latest = row.latest.start if row.latest is not None else None
    values = [
        period.value
        for period in row.periods
        if not period.so_far
        and period.value is not None
        and (latest is None or period.start <= latest)
    ]
    if len(values) < 2:
        return "no earlier month to compare"
    before, latest = values[-2], values[-1]
    if latest == before:
        return "unchanged on the month before"
    if row.definition.direction == Direction.NEUTRAL:
        return "up on the month before" if latest > before else "down on the month before"
    rising_is_better = row.definition.direction == Direction.HIGHER_IS_BETTER
    better = (latest > before) == rising_is_better
    return "better than the month before" if better else "worse than the month before"


def _kpi_block(key: str, role: str, title: str, rows: list[ScorecardRow], scope: str) -> Block:
    judged = [row for row in rows if row.status != KpiStatus.NONE]
    off = [row for row in judged if row.status in OFF_TARGET]
    off.sort(key=lambda row: (row.status != KpiStatus.RED, row.definition.name))
    red = sum(1 for row in off if row.status == KpiStatus.RED)
    empty_text = (
        f"Every {scope}KPI with a target is on target in its latest finished month."
        if judged
        else f"No {scope}KPI has a measured value and a target yet."
    )
    return Block(
        key=key,
        role=role,
        title=title,
        link_label="The KPI scorecard",
        link_url=_url("kpis:scorecard", period="month"),
        empty_text=empty_text,
        figures=[
            Figure("Off target", red, _url("kpis:scorecard", period="month"), _tone(red, "danger")),
            Figure(
                "Warning",
                len(off) - red,
                _url("kpis:scorecard", period="month"),
                _tone(len(off) - red, "warning"),
            ),
        ],
        rows=[
            Row(
                text=row.definition.name,
                url=reverse("kpis:detail", args=[row.key]),
                detail=(
                    f"{kpi_value(row.latest.value, row.definition.unit)} against a target of "
                    f"{kpi_value(row.definition.thresholds.target, row.definition.unit)}; "
                    f"{_trend(row)}"
                ),
                badge="Off target" if row.status == KpiStatus.RED else "Warning",
                tone="danger" if row.status == KpiStatus.RED else "warning",
            )
            for row in off[:ROWS]
            if row.latest is not None
        ],
        note=f"Each KPI's latest finished month; {len(judged)} of them "
        f"{'has' if len(judged) == 1 else 'have'} a value and a target to judge by.",
        urgency=URGENT if red else ATTENTION if off else CALM,
        empty=not off,
    )


def _incident_clock_type() -> ContentType:
    return ContentType.objects.get_for_model(Incident)


def incident_leader_blocks(user: User, role: str, kpi_rows: list[ScorecardRow]) -> list[Block]:
    kpis = _kpi_block("process-kpis", role, "Incident KPIs off target", kpi_rows, "incident ")
    stopped = SLAClock.objects.filter(
        ticket_type=_incident_clock_type(), stopped_at__gte=month_start()
    ).aggregate(
        met=Count("pk", filter=Q(state=ClockState.MET)),
        breached=Count("pk", filter=Q(state=ClockState.BREACHED)),
    )
    met, breached = stopped["met"], stopped["breached"]
    attainment = Block(
        key="process-sla",
        role=role,
        title="SLA attainment this month",
        link_label="Incidents with a clock breached this month",
        link_url=_url("incidents:queue", "all", sla="breached_month"),
        empty_text="No incident SLA clock has stopped this month yet.",
        figures=[
            Figure(
                "Attained",
                f"{100 * met / (met + breached):.0f} %" if met + breached else "—",
                tone="success" if not breached else "warning",
            ),
            Figure("Clocks met", met, _url("incidents:queue", "all", sla="met_month")),
            Figure(
                "Clocks breached",
                breached,
                _url("incidents:queue", "all", sla="breached_month"),
                _tone(breached, "danger"),
            ),
        ],
        note="Response and resolution clocks that stopped since the 1st, each counted once; "
        "the lists show the incidents they belong to.",
        urgency=ATTENTION if breached else CALM,
        empty=not (met + breached),
    )
    worst = list(
        incidents_for(user)
        .filter(sla_state=SlaState.BREACHED, state__in=OPEN_STATES, service__isnull=False)
        .order_by()
        .values("service__name", "service__slug")
        .annotate(breached=Count("pk"))
        .order_by("-breached", "service__name")[:ROWS]
    )
    services = Block(
        key="process-services",
        role=role,
        title="Services with the most breached incidents",
        link_label="Every open breached incident",
        link_url=_url("incidents:queue", "breached"),
        empty_text="No open incident of any service has breached its SLA.",
        rows=[
            Row(
                text=row["service__name"],
                url=_url("incidents:queue", "breached", service=row["service__slug"]),
                detail=f"{row['breached']} open incident{'s' if row['breached'] != 1 else ''} "
                "with a breached SLA",
                badge=str(row["breached"]),
                tone="danger",
            )
            for row in worst
        ],
        note="Open incidents whose SLA has breached, by service, most first.",
        urgency=ATTENTION if worst else CALM,
        empty=not worst,
    )
    return [kpis, attainment, services]


# -- change enablement ------------------------------------------------------------------------

CHANGE_HORIZON = dt.timedelta(days=7)
UNAUTHORISED_DAYS = 90


def vote_block(user: User, now: dt.datetime) -> Block:
    """A CAB member's (or change manager's) votes waiting, due soonest first."""
    waiting = approvals_waiting_for(user, now)
    rows = list(waiting[:ROWS])
    count = waiting.count() if len(rows) == ROWS else len(rows)
    overdue = sum(1 for approver in rows if approver.round.due_at <= now)
    return Block(
        key="change-votes",
        role="CAB member",
        title="Changes waiting for your vote",
        link_label="The approval inbox",
        link_url=_url("changes:approval_inbox"),
        empty_text="No change waits for your vote.",
        figures=[Figure("Waiting", count, _url("changes:approval_inbox"), _tone(count, "warning"))],
        rows=[
            Row(
                text=f"{approver.round.change.number} {approver.round.change.title}",
                url=approver.round.change.get_absolute_url(),
                detail=(f"for {approver.user}" if approver.user_id != user.pk else "your vote"),
                when_label="due",
                when=approver.round.due_at,
                tone="danger" if approver.round.due_at <= now else "",
            )
            for approver in rows
        ],
        note="Due soonest first; at the due time the policy's default action is taken.",
        urgency=URGENT if overdue else ATTENTION if count else CALM,
        empty=not count,
    )


def change_leader_blocks(user: User, role: str, now: dt.datetime) -> list[Block]:
    """The change manager's: what waits for authorisation, what is planned in the coming
    week, and unauthorised changes lately."""
    changes = Change.objects.all()
    counts = changes.aggregate(
        waiting=Count("pk", filter=Q(state=ChangeState.AUTHORISE, authorised_at=None)),
        authorised=Count("pk", filter=Q(state=ChangeState.AUTHORISE, authorised_at__isnull=False)),
        planned=Count(
            "pk",
            filter=Q(
                state=ChangeState.SCHEDULED,
                planned_start__gte=now,
                planned_start__lt=now + CHANGE_HORIZON,
            ),
        ),
        implementing=Count("pk", filter=Q(state=ChangeState.IMPLEMENT)),
        unauthorised=Count(
            "pk",
            filter=Q(
                unauthorised=True,
                actual_start__gte=now - dt.timedelta(days=UNAUTHORISED_DAYS),
            ),
        ),
    )
    waiting, unauthorised = counts["waiting"], counts["unauthorised"]
    pipeline = Block(
        key="change-pipeline",
        role=role,
        title="Changes in the pipeline",
        link_label="Every open change",
        link_url=_url("changes:list", state="open"),
        empty_text="No change waits for authorisation, is planned this week or under way.",
        figures=[
            Figure(
                "Waiting for authorisation",
                waiting,
                _url("changes:list", state="authorise"),
                _tone(waiting, "warning"),
            ),
            Figure(
                "Planned in the next 7 days",
                counts["planned"],
                _url("changes:list", state="scheduled", sort="planned_start"),
            ),
            Figure(
                "Being implemented", counts["implementing"], _url("changes:list", state="implement")
            ),
            Figure(
                f"Unauthorised, last {UNAUTHORISED_DAYS} days",
                unauthorised,
                _url("changes:list", unauthorised="yes"),
                _tone(unauthorised, "danger"),
            ),
        ],
        note="Planned: scheduled to start within a week. Unauthorised: started before (or "
        "without) the authorisation it needed.",
        urgency=URGENT if unauthorised else ATTENTION if waiting else CALM,
        empty=not any(counts.values()),
    )
    return [pipeline]


WORST_SERVICES = 5


def availability_block(user: User, role: str, now: dt.datetime) -> Block:
    """The service level manager's: the services below their availability target this month
    (worst first), outages going on now and proposals waiting for confirmation."""
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    book = AvailabilityBook(month_start, now, now=now)
    figures = {
        service_id: book.figure(service_id, month_start, now, itemised=False)
        for service_id in book.services
    }
    below = sorted(
        (
            (figure.availability_percent, book.services[service_id], figure)
            for service_id, figure in figures.items()
            if figure.met is False and figure.availability_percent is not None
        ),
        key=lambda item: item[0],
    )
    counts = Outage.objects.aggregate(
        ongoing=Count("pk", filter=Q(ended_at__isnull=True) & ~Q(status=OutageStatus.DISMISSED)),
        waiting=Count("pk", filter=Q(status=OutageStatus.PROPOSED)),
    )
    ongoing, waiting = counts["ongoing"], counts["waiting"]
    return Block(
        key="availability-month",
        role=role,
        title="Availability this month",
        link_label="Every service's availability",
        link_url=_url("availability:overview"),
        empty_text="Every service with a target is within it this month; no outage is going "
        "on and none waits for confirmation.",
        figures=[
            Figure(
                "Services below their target",
                len(below),
                _url("availability:overview"),
                _tone(len(below), "danger"),
            ),
            Figure(
                "Outages going on now",
                ongoing,
                _url("availability:outage_list", status="ongoing"),
                _tone(ongoing, "danger"),
            ),
            Figure(
                "Waiting for confirmation",
                waiting,
                _url("availability:outage_list", status=OutageStatus.PROPOSED),
                _tone(waiting, "warning"),
            ),
        ],
        rows=[
            Row(
                service.name,
                _url("availability:service", service.slug),
                detail=f"{percent:.2f} % against {figure.target_percent:g} %",
                tone="danger",
            )
            for percent, service, figure in below[:WORST_SERVICES]
        ],
        note="In each service's agreed hours, from confirmed outages; the month so far.",
        urgency=URGENT if below or ongoing else ATTENTION if waiting else CALM,
        empty=not (below or ongoing or waiting),
    )


def csi_blocks(user: User, role: str, kpi_rows: list[ScorecardRow]) -> list[Block]:
    open_initiatives = list(
        Initiative.objects.filter(status__in=(Status.ACTIVE, Status.EVALUATING)).order_by("pk")
    )
    by_step = {step: 0 for step in Step}
    for initiative in open_initiatives:
        by_step[Step(initiative.current_step)] += 1
    active = [i for i in open_initiatives if i.status == Status.ACTIVE]
    results = gates.gates_for(active)
    blocked = [i for i in active if not results[i.pk].passed]
    steps = Block(
        key="csi-steps",
        role=role,
        title="Initiatives by step",
        link_label="The open initiatives",
        link_url=_url("improvement:register", status="open"),
        empty_text="No improvement initiative is open.",
        rows=[
            Row(
                text=f"{step.value} · {step.label}",
                url=_url("improvement:register", status="open", current_step=step.value),
                badge=str(count),
                tone="primary" if count else "",
            )
            for step, count in by_step.items()
        ],
        empty=not open_initiatives,
    )
    held = Block(
        key="csi-blocked",
        role=role,
        title="Held at their gate",
        link_label="The initiatives held at their gate",
        link_url=_url("improvement:register", status="held"),
        empty_text="No active initiative is held at its gate: each has what its step needs.",
        figures=[
            Figure(
                "Held",
                len(blocked),
                _url("improvement:register", status="held"),
                tone=_tone(len(blocked), "warning"),
            )
        ],
        note=f"Out of {len(active)} active initiative{'s' if len(active) != 1 else ''}: "
        "each named with the first thing its current step lacks.",
        rows=[
            Row(
                text=f"{initiative.reference} {initiative.title}",
                url=reverse("improvement:step", args=[initiative.pk, initiative.current_step]),
                detail=f"Step {initiative.current_step}: {results[initiative.pk].missing[0]}"
                + (
                    f" (and {len(results[initiative.pk].missing) - 1} more)"
                    if len(results[initiative.pk].missing) > 1
                    else ""
                ),
            )
            for initiative in blocked[:ROWS]
        ],
        urgency=ATTENTION if blocked else CALM,
        empty=not blocked,
    )
    new = Opportunity.objects.filter(status=OpportunityStatus.OPEN)
    new_count = new.count()
    opportunities = Block(
        key="csi-opportunities",
        role=role,
        title="New improvement opportunities",
        link_label="Opportunities not yet triaged",
        link_url=_url("improvement:opportunities", status=OpportunityStatus.OPEN.value),
        empty_text="No new opportunity: everything the data suggested has been triaged.",
        figures=[
            Figure(
                "Not yet triaged",
                new_count,
                _url("improvement:opportunities", status=OpportunityStatus.OPEN.value),
            )
        ],
        rows=[
            Row(
                text=o.title,
                url=reverse("improvement:opportunity", args=[o.pk]),
                detail=o.get_kind_display(),
            )
            for o in (new.order_by("-strength", "pk")[:ROWS] if new_count else [])
        ],
        urgency=ATTENTION if new_count else CALM,
        empty=not new_count,
    )
    kpis = _kpi_block("csi-kpis", role, "KPIs off target", kpi_rows, "")
    return [steps, held, opportunities, kpis]


# -- requesters -------------------------------------------------------------------------------

WAITING_FOR = {
    State.NEW: "Waiting for the service desk to pick it up",
    State.ASSIGNED: "Waiting for an agent to start on it",
    State.IN_PROGRESS: "Being worked on",
}
ON_HOLD_FOR = {
    OnHoldReason.AWAITING_CALLER: "Waiting for you",
    OnHoldReason.AWAITING_VENDOR: "Waiting for a supplier",
    OnHoldReason.AWAITING_PROBLEM: "Waiting for the underlying problem to be fixed",
    OnHoldReason.AWAITING_CHANGE: "Waiting for a planned change",
}


def waiting_for(state: str, on_hold_reason: str) -> str:
    """What an open incident waits for, in the caller's words."""
    if state == State.ON_HOLD:
        return ON_HOLD_FOR.get(on_hold_reason, "On hold")
    return WAITING_FOR.get(state, State(state).label)


def _on_you(ticket: dict) -> bool:
    return (
        ticket["state"] == State.ON_HOLD
        and ticket["on_hold_reason"] == OnHoldReason.AWAITING_CALLER
    )


def requester_blocks(user: User) -> list[Block]:
    mine = Incident.objects.filter(caller=user, state__in=OPEN_STATES)
    counted = mine.aggregate(
        open=Count("pk"),
        on_you=Count(
            "pk",
            filter=Q(state=State.ON_HOLD, on_hold_reason=OnHoldReason.AWAITING_CALLER),
        ),
    )
    open_count, on_you = counted["open"], counted["on_you"]
    tickets = list(
        mine.order_by("-updated_at", "-pk").values(
            "number", "short_description", "state", "on_hold_reason", "updated_at"
        )[: ROWS * 2]
    )
    my_tickets = Block(
        key="requester-tickets",
        role="Requester",
        title="My open incidents",
        link_label="All my open incidents",
        link_url=_url("incidents:my_list", state="open"),
        empty_text="You have no open incident.",
        figures=[
            Figure("Open", open_count, _url("incidents:my_list", state="open")),
            Figure(
                "Waiting for you",
                on_you,
                _url("incidents:my_list", state="your_turn"),
                tone=_tone(on_you, "warning"),
            ),
        ],
        rows=[
            Row(
                text=f"{t['number']} {t['short_description']}",
                url=reverse("incidents:detail", args=[t["number"]]),
                detail=waiting_for(t["state"], t["on_hold_reason"]),
                when_label="updated",
                when=t["updated_at"],
                badge="Your turn" if _on_you(t) else "",
                tone="warning",
            )
            for t in tickets
        ],
        urgency=ATTENTION if on_you else CALM,
        empty=not open_count,
    )
    services = services_for(user)
    shown = list(services.order_by("name").values("name", "slug")[:ROWS])
    catalogue = Block(
        key="requester-catalogue",
        role="Requester",
        title="The service catalogue",
        link_label="Browse every service",
        link_url=reverse("catalog:service_list"),
        empty_text="No service is offered to you yet.",
        figures=[Figure("Services", services.count(), reverse("catalog:service_list"))],
        rows=[
            Row(text=s["name"], url=reverse("catalog:service_detail", args=[s["slug"]]))
            for s in shown
        ],
        note="Something not working? Report an incident from a service's page or the portal.",
        empty=not shown,
    )
    return [my_tickets, catalogue]


# -- administrators: system health ------------------------------------------------------------


def _analytics_state() -> tuple[dict[str, str] | None, str]:
    """The store's sync state, or None and why it cannot be read."""
    if not store_path().exists():
        return None, "The analytics store has never synced (no store file yet)."
    try:
        with connect(read_only=True, wait_seconds=0.5) as connection:
            return read_state(connection), ""
    except duckdb.Error:
        return None, "The analytics store is busy being written: look again in a moment."


def admin_blocks(user: User, now: dt.datetime) -> list[Block]:
    beats = last_heartbeats()
    latest = max(beats.values(), default=None)
    immediate = settings.TASK_QUEUE == "immediate"
    alive = latest is not None and now - latest <= WORKER_SILENT_AFTER
    if immediate:
        worker = Row(
            "Task worker",
            detail="KAIZEN_TASK_QUEUE=immediate: tasks run in the web process, and no periodic "
            "task (SLA scan, analytics sync, mail retry) runs at all.",
            badge="No worker",
            tone="warning",
        )
    elif latest is None:
        worker = Row(
            "Task worker",
            detail="No periodic task has ever run: start the task worker (kaizen serve, or "
            "kaizen run_huey beside another web server).",
            badge="Not running",
            tone="danger",
        )
    else:
        worker = Row(
            "Task worker",
            detail=(
                "Alive: its last periodic task started"
                if alive
                else "Silent: its last periodic task started"
            ),
            when_label="",
            when=latest,
            badge="Alive" if alive else "Stopped",
            tone="success" if alive else "danger",
        )
    scan = beats.get(SLA_SCAN)
    sync_started = beats.get(ANALYTICS_SYNC)
    retry = beats.get(NOTIFICATION_RETRY)
    worker_block = Block(
        key="admin-worker",
        role="Administrator",
        title="Background work",
        link_label="",
        link_url="",
        empty_text="",
        rows=[
            worker,
            Row("Last SLA scan", detail="" if scan else "never", when=scan),
            Row(
                "Last analytics sync started",
                detail="" if sync_started else "never",
                when=sync_started,
            ),
            Row("Last retry of unsent mail", detail="" if retry else "never", when=retry),
        ],
        note="Every minute the worker scans SLA clocks, syncs the analytics store and retries "
        "unsent mail; each leaves the time it started.",
        urgency=CALM if alive else ATTENTION if immediate else URGENT,
    )

    state, problem = _analytics_state()
    if state is None:
        analytics = Block(
            key="admin-analytics",
            role="Administrator",
            title="Analytics store",
            link_label="",
            link_url="",
            empty_text=problem,
            urgency=ATTENTION,
            empty=True,
        )
    else:
        cursor = int(state.get(CURSOR) or 0)
        synced_at = dt.datetime.fromisoformat(state[SYNCED_AT]) if state.get(SYNCED_AT) else None
        behind = JournalEvent.objects.filter(id__gt=cursor).count()
        # Lagging: events wait and the store has not caught up for longer than a few syncs.
        late = bool(behind) and (synced_at is None or now - synced_at > 3 * WORKER_SILENT_AFTER)
        analytics = Block(
            key="admin-analytics",
            role="Administrator",
            title="Analytics store",
            link_label="",
            link_url="",
            empty_text="",
            figures=[Figure("Journal events not synced", behind, tone="warning" if late else "")],
            rows=[
                Row("Last events synced", detail="" if synced_at else "never", when=synced_at),
                Row(
                    "Behind the journal",
                    detail=f"by {behind} event{'s' if behind != 1 else ''}, since the last sync"
                    if behind
                    else "no: the store has every event",
                ),
            ],
            note="KPIs read the store, so they lag the journal by this much.",
            urgency=ATTENTION if late else CALM,
        )

    blocks = [worker_block, analytics]
    if can_view_outbox(user):
        failed = Notification.objects.failed().count()
        blocks.append(
            Block(
                key="admin-mail",
                role="Administrator",
                title="Mail not sent",
                link_label="The mail Kaizen gave up sending",
                link_url=reverse("notifications:failed"),
                empty_text="Every e-mail was sent: none failed.",
                figures=[
                    Figure(
                        "Given up",
                        failed,
                        reverse("notifications:failed"),
                        _tone(failed, "danger"),
                    )
                ],
                urgency=URGENT if failed else CALM,
                empty=not failed,
            )
        )
    if can_import(user):
        running = ImportRun.objects.filter(
            status=RunStatus.RUNNING, heartbeat_at__gte=now - STALE_AFTER
        ).count()
        blocks.append(
            Block(
                key="admin-imports",
                role="Administrator",
                title="Imports running",
                link_label="Running imports",
                link_url=_url("imports:list", status=RunStatus.RUNNING.value),
                empty_text="No import is running.",
                figures=[
                    Figure(
                        "Running",
                        running,
                        _url("imports:list", status=RunStatus.RUNNING.value),
                    )
                ],
                empty=not running,
            )
        )
    return blocks


# -- the page ---------------------------------------------------------------------------------


def _led(user: User, process: Process) -> Role | None:
    """The leading role (owner before manager) the user holds in the process, if any. Held
    roles only: an administrator sees the administrator's blocks, not every leader's."""
    held = roles_of(user)
    for role in LEADERSHIP:
        if (process.value, role.value) in held:
            return role
    return None


def home_blocks(user: User, *, now: dt.datetime | None = None) -> list[Block]:
    """Every block of every role the user holds, the most urgent first (role order within)."""
    now = now or timezone.now()
    blocks: list[Block] = []
    # An administrator is an agent by right; they get the agent's blocks when they work
    # incidents as one (an agent account), not merely because they could.
    if can_work_incidents(user) and (not is_admin(user) or user.kind == UserKind.AGENT):
        blocks += agent_blocks(user)
    if is_agent(user) and can_view_kpis(user):
        led = {process: _led(user, process) for process in Process}
        kpis: dict[str, list[ScorecardRow]] = {}
        if any(led.values()):  # two queries, shared by every KPI block
            kpis = {group.process: group.rows for group in scorecard("month")}
        for process, role in led.items():
            if role is None:
                continue
            title = role_title(process, role)
            if process == Process.INCIDENT:
                blocks += incident_leader_blocks(user, title, kpis.get(process, []))
            elif process == Process.IMPROVEMENT:
                if can_manage_register(user):
                    every = [row for rows in kpis.values() for row in rows]
                    blocks += csi_blocks(user, title, every)
            else:
                if process == Process.CHANGE:
                    blocks += change_leader_blocks(user, title, now)
                if process == Process.SERVICE_LEVEL:
                    blocks.append(availability_block(user, title, now))
                name = SHORT_NAMES[process]
                blocks.append(
                    _kpi_block(
                        f"process-kpis-{process.value}",
                        title,
                        f"{name} KPIs off target",
                        kpis.get(process, []),
                        f"{name.lower()} ",
                    )
                )
    # Held roles only (an administrator may vote as a change manager would, but is not asked).
    if is_agent(user) and (
        (Process.CHANGE.value, Role.CAB_MEMBER.value) in roles_of(user)
        or _led(user, Process.CHANGE)
    ):
        blocks.append(vote_block(user, now))
    if user.is_authenticated and user.is_active and not is_agent(user):
        blocks += requester_blocks(user)
    if is_admin(user):
        blocks += admin_blocks(user, now)
    # Stable: role order is kept within each level; blocks with nothing to show go last.
    return sorted(blocks, key=lambda block: (-block.urgency, block.empty))
