"""How the improvement register's events read (kaizen/journal/presenting.py).

Step outputs are journaled on their initiative with the output's id and the KPI's key in
`data`: here the KPI reads as its name from the KPI library, a gap as its KPI and what is
missing, a carried-over KPI or cleaning rule by what it is, the initiative of another cycle by
its reference and title (linked for readers of the register), ids the other lines already say
are left out, and the changes of an action, a gap or an initiative KPI read with that model's
labels rather than the initiative's.
"""

from collections.abc import Mapping
from typing import Any

from kaizen.improvement.models import (
    GAP_EMPTY_PERIODS,
    GAP_FIELD_PREFIX,
    GAP_NO_DATA,
    GAP_NOT_MEASURABLE,
    GAP_SMALL_SAMPLES,
    Action,
    Baseline,
    BaselineSource,
    CleaningRule,
    DecisionKind,
    Gap,
    GoalKPI,
    Initiative,
    InitiativeKPI,
)
from kaizen.improvement.permissions import can_view_register
from kaizen.journal.events import EventType
from kaizen.journal.presenting import Key, Link, register_event_shape
from kaizen.kpis.event_shapes import dimension_key, kpi_key, kpi_names
from kaizen.kpis.library import kpis_by_key

HIDDEN = Key(hidden=True)
KPI = {"initiative_kpi": HIDDEN, "kpi_key": kpi_key()}
GAP_CODES = {
    GAP_NOT_MEASURABLE: "not measurable",
    GAP_NO_DATA: "no data",
    GAP_EMPTY_PERIODS: "periods without data",
    GAP_SMALL_SAMPLES: "small samples",
}
VERDICTS = {
    "good": "good",
    "fair": "fair",
    "poor": "poor",
    "no_data": "no data",
    "not_measurable": "not measurable",
}
STATUSES = {"green": "On target", "amber": "Warning", "red": "Off target", "none": "No status"}


def gap_code_text(code: Any) -> str:
    code = str(code)
    if code.startswith(GAP_FIELD_PREFIX):
        return f"{code.removeprefix(GAP_FIELD_PREFIX).replace('_', ' ')} mostly missing"
    return GAP_CODES.get(code, code.replace("_", " "))


def _ids(raw: set[str]) -> list[int]:
    return [int(value) for value in raw if value.isdigit()]


def _kpi_name(names: Mapping[str, Any], key: str) -> str:
    return str(names.get(key, key))


def gap_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Gaps by their KPI's name and what is missing: "Incidents opened: no data" (two queries
    at most: the gaps, the custom KPIs among their keys)."""
    gaps = Gap.objects.filter(pk__in=_ids(raw)).only("kpi_key", "code")
    kpis = kpi_names({gap.kpi_key for gap in gaps}, None)
    return {
        str(gap.pk): f"{_kpi_name(kpis, gap.kpi_key)}: {gap_code_text(gap.code)}" for gap in gaps
    }


def gap_code_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """ "kpi_key:code" pairs (an assessment's gaps) in the same words."""
    pairs = {value: value.partition(":")[::2] for value in raw}
    kpis = kpi_names({key for key, _ in pairs.values()}, None)
    return {
        value: f"{_kpi_name(kpis, key)}: {gap_code_text(code)}"
        for value, (key, code) in pairs.items()
    }


def initiative_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """Initiatives by reference and title, linked for readers of the register (one query)."""
    link = reader is not None and reader.is_authenticated and can_view_register(reader)
    initiatives = Initiative.objects.filter(pk__in=_ids(raw)).only("title")
    return {
        str(item.pk): Link(str(item), item.get_absolute_url()) if link else str(item)
        for item in initiatives
    }


def initiative_kpi_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    """An initiative's KPIs (ids) by the KPI's name."""
    keys = dict(
        InitiativeKPI.objects.filter(pk__in=_ids(raw)).values_list("pk", "kpi_key").order_by()
    )
    definitions = kpis_by_key(keys.values())
    return {
        str(pk): definitions[key].name if key in definitions else key for pk, key in keys.items()
    }


def cleaning_rule_names(raw: set[str], reader: Any) -> Mapping[str, Any]:
    return {str(rule.pk): str(rule) for rule in CleaningRule.objects.filter(pk__in=_ids(raw))}


def only_if_true(label: str) -> Key:
    """A flag worth a line only when set ("Reopened: Yes"; nothing when not)."""
    return Key(label, text=lambda value: "Yes" if value is True else None)


register_event_shape(EventType.GOAL_CREATED, EventType.INITIATIVE_CREATED, creates=True)
register_event_shape(
    EventType.GOAL_UPDATED,
    data_model=GoalKPI,
    keys={
        "success_factor_added": HIDDEN,
        "title": Key("Success factor added"),
        "goal_kpi": HIDDEN,
        "kpi_attached": kpi_key("KPI attached"),
        "kpi_detached": kpi_key("KPI detached"),
    },
)
register_event_shape(
    EventType.INITIATIVE_UPDATED,
    keys={"reason": Key("Why"), "cause": HIDDEN},
)
register_event_shape(
    EventType.INITIATIVE_STEP_CHANGED,
    keys={
        "from": HIDDEN,  # the step change says it
        "to": HIDDEN,
        "decision": HIDDEN,
        "missing": Key("Missing at the gate"),
        "override_reason": Key("Passed anyway because"),
        "reason": Key("Why"),
        "returned": only_if_true("Back to an earlier step"),
    },
)
register_event_shape(
    EventType.INITIATIVE_KPI_ADDED,
    EventType.INITIATIVE_KPI_UPDATED,
    EventType.INITIATIVE_KPI_REMOVED,
    changes_model=InitiativeKPI,
    data_model=InitiativeKPI,
    keys={
        **KPI,
        "measurable": Key("Measurable now", text=lambda value: "Yes" if value else "Not yet"),
    },
    change_keys={"breakdown": dimension_key("Pareto by")},
)
register_event_shape(
    EventType.ASSESSMENT_COMPUTED,
    keys={
        "assessment": HIDDEN,
        "kpis": Key("KPIs assessed"),
        "verdicts": Key("Data quality", names=kpi_names, choices=VERDICTS),
        "gaps": Key("Gaps", names=gap_code_names),
        "gaps_new": Key("New gaps", names=gap_names),
        "gaps_back": Key("Gaps back", names=gap_names),
        "gaps_gone": Key("Gaps gone", names=gap_names),
        "range": Key("Data assessed", span=True),
    },
)
register_event_shape(
    EventType.GAP_UPDATED,
    changes_model=Gap,
    keys={"gap": HIDDEN, **KPI, "code": Key("Gap", text=gap_code_text)},
)
register_event_shape(
    EventType.CLEANING_RULE_ADDED,
    EventType.CLEANING_RULE_REMOVED,
    data_model=CleaningRule,
    keys={**KPI, "rule": HIDDEN},
)
register_event_shape(
    EventType.ANALYSIS_COMPUTED,
    keys={
        **KPI,
        "analysis": HIDDEN,
        "purpose": Key("For", choices={"analysis": "Analysis", "evaluation": "Evaluation"}),
        "range": Key("Range", span=True),
        "change_on": Key("Change on"),
        "rules": Key("Cleaning rules", names=cleaning_rule_names),
        "actual": Key("Latest value"),
        "status": Key("Status", choices=STATUSES),
        "before_after": Key("Before and after the change"),
        "synced_event_id": Key("Figures read every recorded change up to audit trail entry"),
    },
)
register_event_shape(
    EventType.BASELINE_RECORDED,
    data_model=Baseline,
    keys={
        **KPI,
        "baseline": HIDDEN,
        "analysis": HIDDEN,
        "source": Key("Source", choices=dict(BaselineSource.choices)),
        "ci": Key("95 % confidence interval", span=True),
        "period": Key("Periods", span=True),
        "n": Key("Periods measured"),
    },
)
register_event_shape(
    EventType.DECISION_RECORDED,
    keys={
        "decision": HIDDEN,
        "kind": Key("Decision", choices=dict(DecisionKind.choices)),
        "rationale": Key("Rationale"),
        "cycle": Key("Cycle"),
    },
)
register_event_shape(
    EventType.REPORT_SHARED,
    EventType.REPORT_UNSHARED,
    keys={
        "shared": HIDDEN,
        "expires_at": Key("Link expires"),
        "replaced": only_if_true("Replaced the previous link"),
    },
)
register_event_shape(
    EventType.ACTION_CREATED,
    changes_model=Action,
    creates=True,
    keys={"action": HIDDEN, "title": Key("Action")},
)
register_event_shape(
    EventType.ACTION_UPDATED,
    changes_model=Action,
    keys={"action": HIDDEN, "title": Key("Action"), "reopened": only_if_true("Reopened")},
)
register_event_shape(
    EventType.EVALUATION_RECORDED,
    keys={
        "evaluation": HIDDEN,
        "cycle": Key("Cycle"),
        "target_met": Key("Target met"),
        "window": Key("Evaluation window", span=True),
        "forced": only_if_true("Evaluated before the window ended"),
        "window_ends_on": Key("The window was to end on"),
        "kpis": Key("KPIs", names=kpi_names, choices={"True": "met", "False": "not met"}),
        "analyses": HIDDEN,
        "baselines": HIDDEN,
    },
)
register_event_shape(
    EventType.CYCLE_OPENED,
    creates=True,
    keys={
        "next": Key("Next cycle", names=initiative_names),
        "previous": Key("Previous cycle", names=initiative_names),
        "cycle": Key("Cycle"),
        "kpis": Key("KPIs carried over", names=initiative_kpi_names),
        "cleaning_rules": Key("Cleaning rules carried over", names=cleaning_rule_names),
        "baselines": HIDDEN,
    },
)
register_event_shape(
    EventType.OPPORTUNITY_DETECTED,
    keys={
        "kpi": kpi_key(),
        "dimension": dimension_key("Breakdown"),
        "value": Key("Where"),
    },
)
register_event_shape(EventType.OPPORTUNITY_UPDATED, keys={"started": HIDDEN})
register_event_shape(
    EventType.OPPORTUNITY_REOPENED,
    keys={
        "new_strength": HIDDEN,  # the strength's change says it
        "factor": Key(
            "Reopens above", text=lambda value: f"{value:g} × the strength when dismissed"
        ),
    },
)
