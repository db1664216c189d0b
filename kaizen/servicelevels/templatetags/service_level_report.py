"""The service level report's figures in words: verdicts, shares of tickets, agreed
percentages (kaizen.availability's `percent` and `downtime` filters do availability and
durations)."""

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()

VERDICTS = {
    "met": ("Met", "kz-pill-green"),
    "not_met": ("Missed", "kz-pill-red"),
    "no_tickets": ("No tickets", ""),
    "not_judged": ("No target", ""),
    "not_measured": ("Not measured", ""),
    "missed": ("Targets missed", "kz-pill-red"),
}
LINK_STATES = {"live": "Works", "expired": "Expired", "revoked": "Revoked"}


@register.filter
def verdict_label(verdict: str) -> str:
    return VERDICTS.get(str(verdict), (str(verdict), ""))[0]


@register.filter
def verdict_pill(verdict: str) -> str:
    return VERDICTS.get(str(verdict), ("", ""))[1]


@register.filter
def share(value: float | None) -> str:
    """A share of tickets: "95 %", "66.7 %"; one decimal at most, cut (never rounded up to a
    target it did not reach)."""
    if value is None:
        return "—"
    tenths = int(round(float(value), 9) * 10) / 10
    text = f"{tenths:.1f}".rstrip("0").rstrip(".")
    return f"{text} %"


@register.filter
def agreed_percent(value: Decimal | str | None) -> str:
    """An agreed percentage as written: "99.5 %", "95 %"."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(str(value)).normalize():f} %"


@register.filter
def link_state_label(state: str) -> str:
    return LINK_STATES.get(str(state), str(state))


@register.filter
def priority_words(priority: Any) -> str:
    return f"priority {priority}" if priority else "any priority"


@register.filter
def person_name(user: Any) -> str:
    """A person's name for a report that may leave the organisation: the full name, else the
    user name without any e-mail domain."""
    if user is None:
        return "—"
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return name or str(getattr(user, "username", "")).split("@")[0] or "—"
