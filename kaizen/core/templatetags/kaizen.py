from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kaizen.core.times import dates_in_text, when_html

register = template.Library()


@register.filter
def when(value: Any, style: str = "") -> SafeString | str:
    """Every time on every page: `{{ incident.opened_at|when }}` shows "6 Mar 2026, 14:05" in
    the reader's time zone with the exact instant as a tooltip; `|when:"date"` the date only,
    `|when:"weekday"` with the day of the week, `|when:"ago"` "3 hours ago" (kaizen.core.times).
    """
    return when_html(value, style)


@register.filter
def cell_of(column: Any, record: Any) -> str:
    """A column another app added to a list (kaizen.core.list_columns): `record`'s cell."""
    return column.cell(record)


@register.filter
def dated(text: Any) -> str:
    """A stored text (an analysis's explanation, an opportunity's summary) with its ISO dates
    written as every page writes them: `{{ result.explanation|dated }}` (escaped as usual)."""
    if text is None or text == "":
        return ""
    return dates_in_text(str(text))


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> str:
    """A column header that sorts by `key`, toggling direction, keeping the other filters."""
    request = context["request"]
    current = context.get("sort", "")
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["sort"] = f"-{key}"
        icon = "bi-sort-up"
    elif current == f"-{key}":
        params["sort"] = key
        icon = "bi-sort-down"
    else:
        params["sort"] = key
        icon = ""
    arrow = format_html(' <i class="bi {}"></i>', icon) if icon else ""
    return format_html('<a class="sort-link" href="?{}">{}{}</a>', params.urlencode(), label, arrow)


LIFECYCLE_BADGES = {
    "pipeline": "text-bg-info",
    "live": "text-bg-success",
    "retired": "text-bg-secondary",
    "planned": "text-bg-info",
    "in_use": "text-bg-success",
    "maintenance": "text-bg-warning",
    "critical": "text-bg-danger",
    "high": "text-bg-warning",
    "medium": "text-bg-primary",
    "low": "text-bg-light",
}


@register.filter
def badge_class(value: str) -> str:
    return LIFECYCLE_BADGES.get(str(value), "text-bg-light")
