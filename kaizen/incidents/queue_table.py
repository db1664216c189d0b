"""The rows of the agents' queue table, rendered in Python.

Through the template language a page of 50 rows took about 60 ms: some forty variable
lookups, filters and conditionals per incident, the largest part of the queue page's time at a
million incidents (bench/agent_queue.py). Here each row is one string format over values
computed once, escaped as format_html escapes them. The rows are plain dicts of the columns
shown (`ROW_FIELDS`): building an incident and six related model instances per row cost more
than formatting it.
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from kaizen.core.times import local_text
from kaizen.core.widgets import fast_format_html
from kaizen.incidents.models import OnHoldReason, Priority, SlaState, State
from kaizen.incidents.templatetags.incidents import ago, due, priority_badge, sla_text, state_badge
from kaizen.people.models import person_name

# What str(user) shows: the full name, or the username.
USER_NAME_FIELDS = ("first_name", "last_name", "username")
# What queue_row reads, and all the queue loads (with .values()): the list's five joined
# tables and the incident's own long texts have many more columns.
ROW_FIELDS = (
    "pk",
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
    "category__parent__name",
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


def _user_name(row: dict[str, Any], person: str) -> str | None:
    """str() of the row's caller or assignee (None when there is none)."""
    username = row[f"{person}__username"]
    if username is None:
        return None
    return person_name(row[f"{person}__first_name"], row[f"{person}__last_name"], username)


def _context_line(row: dict[str, Any]) -> str:
    """Caller · service · subcategory (or category): who and what, in one muted line."""
    parts = [_user_name(row, "caller") or ""]
    if row["service__name"] is not None:
        parts.append(row["service__name"])
    if row["subcategory__name"] is not None:
        parts.append(row["subcategory__name"])
    elif row["category__name"] is not None:  # as str(category) shows it
        parent = row["category__parent__name"]
        name = row["category__name"]
        parts.append(name if parent is None else f"{parent} › {name}")
    return " · ".join(parts)


def _sla_cell(row: dict[str, Any]) -> SafeString | str:
    if row["sla_due_at"]:
        return fast_format_html(
            '<span title="{title}">{due}</span>{icon}',
            title=local_text(row["sla_due_at"]),
            due=due(row["sla_due_at"]),
            icon=SLA_ICONS.get(row["sla_state"], ""),
        )
    return "Breached" if row["sla_state"] == SlaState.BREACHED else "—"


def queue_row(row: dict[str, Any], detail_url: str) -> SafeString:
    """One row from the `ROW_FIELDS` values of an incident; `detail_url` is the incident
    page's URL with NUMBER_PLACEHOLDER for the number (reversed once per page rather than
    once per row)."""
    team = row["assignment_group__name"] or ""
    on_hold = ""
    if row["on_hold_reason"]:
        on_hold = fast_format_html(
            '<div class="small text-secondary">{reason}</div>',
            reason=ON_HOLD_LABELS.get(row["on_hold_reason"], row["on_hold_reason"]),
        )
    return fast_format_html(
        ROW,
        pk=row["pk"],
        number=row["number"],
        version=row["version"],
        url=detail_url.replace(NUMBER_PLACEHOLDER, quote(row["number"], safe=URL_SAFE)),
        major=MAJOR_BADGE if row["major_incident"] else "",
        summary=row["short_description"],
        context=_context_line(row),
        priority_class=priority_badge(row["priority"]),
        priority=PRIORITY_LABELS.get(row["priority"], row["priority"]),
        state_class=state_badge(row["state"]),
        state=STATE_LABELS.get(row["state"], row["state"]),
        on_hold=on_hold,
        team_title=team,
        team=team or "—",
        assignee=_user_name(row, "assignee") or "Unassigned",
        sla_class=sla_text(row["sla_state"]),
        sla=_sla_cell(row),
        updated_title=local_text(row["updated_at"]),
        updated=ago(row["updated_at"]),
    )


def queue_rows(rows: Iterable[dict[str, Any]]) -> SafeString:
    detail_url = reverse("incidents:detail", args=[NUMBER_PLACEHOLDER])
    return mark_safe("".join(queue_row(row, detail_url) for row in rows))
