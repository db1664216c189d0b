"""The rows of the agents' queue table, rendered in Python.

Through the template language a page of 50 rows took about 60 ms: some forty variable
lookups, filters and conditionals per incident, the largest part of the queue page's time at a
million incidents (bench/agent_queue.py). Here each row is one string format over values
computed once, escaped as format_html escapes them.
"""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

from kaizen.core.widgets import fast_format_html
from kaizen.incidents.models import Incident, OnHoldReason, Priority, SlaState, State
from kaizen.incidents.templatetags.incidents import ago, due, priority_badge, sla_text, state_badge

# What str(user) shows: the full name, or the username.
USER_NAME_FIELDS = ("first_name", "last_name", "username")
# What queue_row reads, and all the queue loads: the list's five joined tables and the
# incident's own long texts have many more columns.
ROW_FIELDS = (
    "number",
    "version",
    "major_incident",
    "short_description",
    "priority",
    "state",
    "on_hold_reason",
    "sla_due_at",
    "sla_state",
    "updated_at",
    *(f"{person}__{name}" for person in ("caller", "assignee") for name in USER_NAME_FIELDS),
    "service__name",
    "category__name",
    "category__parent",
    "subcategory__name",
    "assignment_group__name",
)
# get_FOO_display() rebuilds its field's choice dict on every call.
STATE_LABELS = dict(State.choices)
PRIORITY_LABELS = dict(Priority.choices)
ON_HOLD_LABELS = dict(OnHoldReason.choices)
MAJOR_BADGE = mark_safe(
    ' <span class="badge text-bg-danger ms-1" title="Major incident">Major</span>'
)
SLA_ICONS = {
    SlaState.BREACHED: mark_safe(' <i class="bi bi-exclamation-octagon" title="Breached"></i>'),
    SlaState.WARNING: mark_safe(' <i class="bi bi-exclamation-triangle" title="Warning"></i>'),
}
ROW = (
    '<tr><td class="ps-3"><input class="form-check-input row-select" type="checkbox"'
    ' name="incidents" value="{pk}" aria-label="Select {number}">'
    '<input type="hidden" name="version_{pk}" value="{version}"></td>'
    '<td class="text-nowrap"><a class="fw-semibold text-decoration-none" href="{url}">{number}</a>'
    "{major}</td>"
    '<td><div class="kz-incident-summary" title="{summary}">{summary}</div>'
    '<div class="small text-secondary kz-incident-summary">{context}</div></td>'
    '<td><span class="badge {priority_class}">{priority}</span></td>'
    '<td class="text-nowrap"><span class="badge {state_class}">{state}</span>{on_hold}</td>'
    '<td><div class="kz-incident-team" title="{team_title}">{team}</div>'
    '<div class="small text-secondary kz-incident-team">{assignee}</div></td>'
    '<td class="text-nowrap small {sla_class}">{sla}</td>'
    '<td class="text-nowrap text-secondary small" title="{updated_title}">{updated}</td></tr>'
)
NUMBER_PLACEHOLDER = "INC-NUMBER"
# What reverse() leaves unquoted in a path (django.urls.resolvers: RFC 3986 sub-delims, "/~:@").
URL_SAFE = "!$&'()*+,;=/~:@"


def tooltip_date(value: dt.datetime) -> str:
    """What `{{ value|date:'j M Y, H:i' }}` shows (in the person's time zone), without the
    date filter's per-call formatter: two of them per row."""
    local = timezone.localtime(value)
    return f"{local.day} {MONTHS_3[local.month].title()} {local.year:04d}, {local:%H:%M}"


def _context_line(incident: Incident) -> str:
    """Caller · service · subcategory (or category): who and what, in one muted line."""
    parts = [str(incident.caller)]
    if incident.service_id:
        parts.append(str(incident.service))
    if incident.category_id:
        parts.append(
            incident.subcategory.name if incident.subcategory_id else str(incident.category)
        )
    return " · ".join(parts)


def _sla_cell(incident: Incident) -> SafeString | str:
    if incident.sla_due_at:
        return fast_format_html(
            '<span title="{title}">{due}</span>{icon}',
            title=tooltip_date(incident.sla_due_at),
            due=due(incident.sla_due_at),
            icon=SLA_ICONS.get(incident.sla_state, ""),
        )
    return "Breached" if incident.sla_state == SlaState.BREACHED else "—"


def queue_row(incident: Incident, detail_url: str) -> SafeString:
    """One row; `detail_url` is the incident page's URL with NUMBER_PLACEHOLDER for the number
    (reversed once per page rather than once per row)."""
    team = str(incident.assignment_group) if incident.assignment_group_id else ""
    on_hold = ""
    if incident.on_hold_reason:
        on_hold = fast_format_html(
            '<div class="small text-secondary">{reason}</div>',
            reason=ON_HOLD_LABELS.get(incident.on_hold_reason, incident.on_hold_reason),
        )
    return fast_format_html(
        ROW,
        pk=incident.pk,
        number=incident.number,
        version=incident.version,
        url=detail_url.replace(NUMBER_PLACEHOLDER, quote(incident.number, safe=URL_SAFE)),
        major=MAJOR_BADGE if incident.major_incident else "",
        summary=incident.short_description,
        context=_context_line(incident),
        priority_class=priority_badge(incident.priority),
        priority=PRIORITY_LABELS.get(incident.priority, incident.priority),
        state_class=state_badge(incident.state),
        state=STATE_LABELS.get(incident.state, incident.state),
        on_hold=on_hold,
        team_title=team,
        team=team or "—",
        assignee=str(incident.assignee) if incident.assignee_id else "Unassigned",
        sla_class=sla_text(incident.sla_state),
        sla=_sla_cell(incident),
        updated_title=tooltip_date(incident.updated_at),
        updated=ago(incident.updated_at),
    )


def queue_rows(incidents: Iterable[Incident]) -> SafeString:
    detail_url = reverse("incidents:detail", args=[NUMBER_PLACEHOLDER])
    return mark_safe("".join(queue_row(incident, detail_url) for incident in incidents))
