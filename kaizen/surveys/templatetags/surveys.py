from django import template

register = template.Library()


@register.filter
def percent_of_one(value: float | None) -> str:
    """0.4321 -> "43" (a share's interval bound, shown in whole percent)."""
    if value is None:
        return "—"
    return f"{100 * value:.0f}"
