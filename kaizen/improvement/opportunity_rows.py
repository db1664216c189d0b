"""The opportunities list as people read it: what each opportunity is about, its evidence and
its period in words, and near-duplicates folded.

The scan records one opportunity per kind and subject (kaizen.improvement.opportunity_detection),
so the same subject can come twice: a KPI drifting month after month usually also shows a
special-cause signal in its recent weeks (an adverse trend and a control chart signal of the
same KPI). Such findings are folded: the list shows the strongest of them, names the others
under it (each still one click away) and says how many were folded. Only findings about the
same subject (KPI, dimension and value) in the same status fold; a filter by kind shows each
kind's own rows.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Lower

from kaizen.core.times import local_text
from kaizen.improvement.models import Opportunity, OpportunityKind
from kaizen.improvement.opportunity_detection import group_words
from kaizen.kpis.library import kpis_by_key
from kaizen.kpis.spec import dimension_label

SUBCATEGORY_DIMENSION = "category,subcategory"


@dataclass
class Folded:
    """A finding folded under the row about the same subject."""

    pk: int
    kind: str
    strength: float

    @property
    def kind_label(self) -> str:
        return str(OpportunityKind(self.kind).label)


@dataclass
class Folds:
    """The filtered list's folded findings: `hidden` leaves them out of the page's rows,
    `under` names them under the row they fold into."""

    hidden: set[int] = field(default_factory=set)
    under: dict[int, list[Folded]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.hidden)


def fold_key(kpi_key: str, dimension: str, value: str, status: str) -> tuple[str, ...]:
    return (status, kpi_key, dimension, value)


def folds(opportunities: QuerySet[Opportunity]) -> Folds:
    """Which of the (filtered) opportunities fold under another: in each group about the same
    subject, the strongest stays (ties: the first found), the others fold under it. One
    query of five columns; the register holds tens of opportunities, not thousands."""
    groups: dict[tuple[str, ...], list[Folded]] = defaultdict(list)
    rows = opportunities.order_by("-strength", "pk").values_list(
        "pk", "kind", "strength", "kpi_key", "dimension", "dimension_value", "status"
    )
    for pk, kind, strength, kpi_key, dimension, value, status in rows:
        groups[fold_key(kpi_key, dimension, value, status)].append(Folded(pk, kind, strength))
    result = Folds()
    for members in groups.values():
        lead, *others = members
        if others:
            result.under[lead.pk] = others
            result.hidden.update(other.pk for other in others)
    return result


@dataclass
class Row:
    """One line of the list."""

    opportunity: Opportunity
    subject: str  # what it is about: "Service Email", "Mean time to resolve"
    kpi: str  # the KPI it was measured with, when the subject is not the KPI itself
    evidence: str  # the figure in words: "60 % met their SLA (n 30)"
    period: str  # "Feb – Apr 2026", "last 90 days"
    folded: list[Folded]


def rows(opportunities: Sequence[Opportunity], found: Folds, today: dt.date) -> list[Row]:
    """The page's rows; KPI names from the library (custom KPIs in one query at most)."""
    names = kpis_by_key({item.kpi_key for item in opportunities if item.kpi_key})
    shown = []
    for item in opportunities:
        evidence = item.evidence or {}
        figure = evidence.get("figure") or {}
        definition = names.get(item.kpi_key)
        kpi_name = definition.name if definition else str(figure.get("name") or item.kpi_key)
        subject = subject_text(item.dimension, item.dimension_value) or kpi_name
        shown.append(
            Row(
                opportunity=item,
                subject=subject,
                kpi="" if subject == kpi_name else kpi_name,
                evidence=evidence_text(item.kind, figure),
                period=period_text(evidence.get("range") or {}, today),
                folded=found.under.get(item.pk, []),
            )
        )
    return shown


def by_subject(opportunities: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    """`subject_sort`: what the "Opportunity" column shows, to sort by (a breakdown by its
    label and value, else the KPI by its name), lower-cased; one query for the names."""
    pairs = set(opportunities.order_by().values_list("dimension", "kpi_key").distinct())
    names = kpis_by_key({key for _, key in pairs if key})
    labels = [
        When(dimension=dimension, then=Value(f"{dimension_label(dimension)} "))
        for dimension in sorted({dimension for dimension, _ in pairs if dimension})
        if dimension != SUBCATEGORY_DIMENSION
    ]
    kpi_names = [
        When(kpi_key=key, then=Value(definition.name)) for key, definition in names.items()
    ]
    return opportunities.annotate(
        subject_sort=Lower(
            Case(
                When(
                    ~Q(dimension=""),
                    then=Concat(
                        Case(*labels, default=Value(""), output_field=CharField()),
                        "dimension_value",
                        output_field=CharField(),
                    ),
                ),
                *kpi_names,
                default="kpi_key",
                output_field=CharField(),
            )
        )
    )


def subject_text(dimension: str, value: str) -> str:
    """ "Service Email", "Configuration item M365 Tenant"; a (category, subcategory) group by
    its subcategory as the facts name it ("Software › Application error")."""
    if not dimension:
        return ""
    if dimension == SUBCATEGORY_DIMENSION and " / " in value:
        category, subcategory = value.split(" / ", 1)
        return group_words(("category", "subcategory"), (category, subcategory))
    return f"{dimension_label(dimension)} {value}"


def _figure(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    number = float(value)
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"
    return text + {"percent": " %", "hours": " h"}.get(unit, "")


def evidence_text(kind: str, figure: dict[str, Any]) -> str:
    """The figure that makes the case, in words."""
    unit = str(figure.get("unit") or "")
    value = _figure(figure.get("value"), unit)
    if kind == OpportunityKind.SLA_HOTSPOT:
        breaches = figure.get("breaches")
        met = f"{value} met their SLA"
        if figure.get("n"):
            met += f" of {figure['n']:,} incidents"
        return met if breaches is None else f"{met}: {float(breaches):,.0f} breaches"
    if kind == OpportunityKind.RECURRING_INCIDENTS:
        count = int(figure.get("n") or figure.get("value") or 0)
        return f"{count:,} incidents"
    if kind == OpportunityKind.CHANGES_CAUSING_INCIDENTS:
        usual = _figure(figure.get("usual"), unit)
        return (
            f"{figure.get('caused', 0):,} of {figure.get('n', 0):,} changes caused incidents "
            f"({value}; usually {usual})"
        )
    latest = f"latest {value}"
    if figure.get("target") is not None:
        latest += f", target {_figure(figure['target'], unit)}"
    return latest


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _month(day: dt.date, with_year: bool = True) -> str:
    return f"{day:%b %Y}" if with_year else f"{day:%b}"


def period_text(span: dict[str, Any], today: dt.date) -> str:
    """The evidence's period as people say it: "Mar 2026", "Jan – Mar 2026", "Nov 2025 –
    Feb 2026" for whole months; "last 90 days" for a window ending today; else its days,
    "2 Jun – 30 Nov 2026"."""
    start, end = _day(span.get("start")), _day(span.get("end"))
    if start is None or end is None:
        return ""
    whole_months = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    if whole_months:
        if (start.year, start.month) == (end.year, end.month):
            return _month(start)
        return f"{_month(start, start.year != end.year)} – {_month(end)}"
    if end == today:
        return f"last {(end - start).days} days"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {local_text(end)}"
    return f"{local_text(start)} – {local_text(end)}"
