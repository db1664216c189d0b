"""Template filters of the candidate pages."""

from django import template

from kaizen.problems.detection import p_value_words

register = template.Library()


@register.filter
def chance(p_value: float | None) -> str:
    """A p-value as people read it ("1 in 2,500"); "—" when there is none."""
    return "—" if p_value is None else p_value_words(p_value)
