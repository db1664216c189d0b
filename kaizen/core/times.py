"""How every page shows a time: one format, in the reader's time zone.

A date and time reads "6 Mar 2026, 14:05" and a date "6 Mar 2026", in the time zone the
middleware activated for the person (their profile's, or the site's). The exact instant, with
seconds and the zone's name, is the tooltip ("Fri 6 Mar 2026, 14:05:09 CET"). Templates use
the `when` filter (kaizen/core/templatetags/kaizen.py); code that formats cells in Python (the
queue table) calls these functions, so both read the same.

The texts are built with f-strings rather than the `date` filter's formatter: the queue
formats two times per row, and the formatter costs several times the string.
"""

import datetime as dt
import re

from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

# The styles of `when`: the default shows a date and time (a date alone for a date); "date" the
# date of a date and time (narrow list columns); "weekday" either with the day of the week in
# front (business calendars, where the day matters); "ago" how long ago, or how long until.
STYLES = ("", "date", "weekday", "ago")


def _local(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value: dt.date) -> str:
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year:04d}"


def _weekday(value: dt.date) -> str:
    return WEEKDAYS_ABBR[value.weekday()].title()


def local_text(value: dt.date, style: str = "") -> str:
    """The shown text: "6 Mar 2026, 14:05", "6 Mar 2026" (a date, or style "date"),
    "Fri 6 Mar 2026, 14:05" (style "weekday"), "3 hours ago" / "in 2 days" (style "ago")."""
    if style == "ago":
        return relative_text(value)
    local = _local(value)
    text = _day(local)
    if isinstance(local, dt.datetime) and style != "date":
        text = f"{text}, {local:%H:%M}"
    if style == "weekday":
        text = f"{_weekday(local)} {text}"
    return text


def exact_text(value: dt.date) -> str:
    """The tooltip: the exact instant with seconds and the time zone's name,
    "Fri 6 Mar 2026, 14:05:09 CET"; a date with its weekday, "Fri 6 Mar 2026"."""
    local = _local(value)
    text = f"{_weekday(local)} {_day(local)}"
    if isinstance(local, dt.datetime):
        text = f"{text}, {local:%H:%M:%S}"
        if local.tzinfo is not None:
            text = f"{text} {local.tzname()}"
    return text


def relative_text(value: dt.date) -> str:
    """ "3 days ago" or "in 3 hours": the largest unit only, to keep columns narrow."""
    now = timezone.now() if isinstance(value, dt.datetime) else timezone.localdate()
    if isinstance(value, dt.datetime) and abs(value - now) < dt.timedelta(minutes=1):
        # timesince counts whole minutes: "0 minutes ago" reads like a fault.
        return "in less than a minute" if value > now else "less than a minute ago"
    if value > now:
        return f"in {timeuntil(value, now, depth=1)}"
    return f"{timesince(value, now, depth=1)} ago"


def when_html(value: object, style: str = "") -> SafeString | str:
    """`<time>` with the shown text and the exact instant as its tooltip; "" for no value (so
    `{{ value|when|default:"never" }}` reads naturally)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.date):  # a template handed something else: show it as it is
        return str(value)
    if style not in STYLES:
        raise ValueError(f"unknown time style {style!r}: one of {', '.join(map(repr, STYLES))}")
    stamp = value.isoformat()
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        stamp = value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        stamp,
        exact_text(value),
        local_text(value, style),
    )


# An ISO date and time (seconds, fraction and offset optional) or date inside a text, as stored
# texts hold them (analysis explanations and opportunity summaries written before they named
# days as pages do, control chart signals named by their period's key).
_ISO_IN_TEXT = re.compile(
    r"(?<![\d-])(\d{4}-\d{2}-\d{2})"
    r"(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?(?![\d-])"
)


def dates_in_text(text: str) -> str:
    """A stored text with its ISO dates and times as every page writes them ("from 2026-03-01
    to 2026-03-31" reads "from 1 Mar 2026 to 31 Mar 2026"); a time with no offset is UTC (how
    Kaizen stores times). Used when showing, so stored texts are never rewritten."""

    def shown(match: re.Match[str]) -> str:
        day, clock, offset = match.groups()
        try:
            if clock is None:
                return local_text(dt.date.fromisoformat(day))
            moment = dt.datetime.fromisoformat(f"{day}T{clock}{(offset or '+00:00')}")
        except ValueError:
            return match.group(0)
        return local_text(moment.replace(tzinfo=moment.tzinfo or dt.UTC))

    return _ISO_IN_TEXT.sub(shown, str(text))
