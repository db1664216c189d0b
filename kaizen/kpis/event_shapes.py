"""How the KPI app's events read (kaizen/journal/presenting.py), and the namers other apps'
events use for KPI keys and breakdown dimensions: a KPI by its name from the KPI library
(linked to its page for readers who may see it), a dimension by its label."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape
from kaizen.kpis.library import kpis_by_key
from kaizen.kpis.models import PeriodKind, describe_filters
from kaizen.kpis.permissions import can_view_kpis
from kaizen.kpis.spec import dimension_label


def _may_view(reader: Any) -> bool:
    return bool(reader is not None and getattr(reader, "is_authenticated", False)) and (
        can_view_kpis(reader)
    )


def kpi_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """KPI keys by the KPI's name (the library's from memory, custom ones in one query); a key
    no KPI has any more stays as it is."""
    link = _may_view(reader)
    return {
        key: Link(definition.name, reverse("kpis:detail", args=[key])) if link else definition.name
        for key, definition in kpis_by_key(raw).items()
    }


def dimension_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    return {name: dimension_label(name) for name in raw}


def kpi_key(label: str = "KPI") -> Key:
    return Key(label, names=kpi_names)


def dimension_key(label: str = "Breakdown") -> Key:
    return Key(label, names=dimension_names)


PERIOD_KINDS = dict(PeriodKind.choices)


def _filter(item: Any) -> str:
    """One filter as the KPI page's formula writes it ("priority le 2")."""
    return describe_filters([item]) if isinstance(item, dict) else str(item)


CUSTOM_KPI = {
    "filters": Key("Rows where", text=_filter),
    "numerator": Key("Counted rows where", text=_filter),
    "denominator": Key("Divided by rows where", text=_filter),
}
register_event_shape(EventType.CUSTOM_KPI_CREATED, creates=True, change_keys=CUSTOM_KPI)
register_event_shape(EventType.CUSTOM_KPI_UPDATED, change_keys=CUSTOM_KPI)
register_event_shape(
    EventType.MEASUREMENTS_COLLECTED,
    keys={
        "kpis": Key("KPIs collected"),
        "period_kinds": Key("Periods", choices=PERIOD_KINDS),
        "breakdowns": dimension_key("Breakdowns"),
        "start": Key("From"),
        "end": Key("Until"),
        "measurements": Key("Measurements written"),
        "not_measurable": kpi_key("Not measurable"),
        "synced_event_id": Key("Figures read every recorded change up to audit trail entry"),
    },
)
register_event_shape(
    EventType.EXTERNAL_POINTS_RECORDED,
    keys={
        "kpi": kpi_key(),
        "channel": Key("Through", choices={"api": "API", "csv": "CSV upload"}),
        "filename": Key("File"),
        "recorded": Key("Points recorded"),
        "replayed": Key("Already recorded (replayed)"),
        "rejected": Key("Rows rejected"),
    },
)
