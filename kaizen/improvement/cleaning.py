"""Step 4 of the improvement process: the recorded cleaning rules of a KPI, applied to its
figures and described beside them.

A rule never edits data: it becomes one or more `kaizen.kpis.spec.Filter`s added to the KPI's
measure (a copy of the definition, through `dataclasses.replace`), so the engine computes the
cleaned figure exactly as it computes any KPI, and removing the rule brings the raw figure
back. Rules apply in the order they were recorded; each one's quartiles and row counts are
taken over the rows the earlier rules left.

- EXCLUDE drops the rows where `column <operator> value` holds: the measure keeps the
  complementary condition (`state = cancelled` → keep `state <> cancelled`; `in [a, b]` → keep
  `<> a` and `<> b`; `is_null true` → keep `is_null false`).
- OUTLIER_IQR drops the rows whose column lies above Q3 + k × IQR (Tukey's fence, k = 1.5
  unless the rule says otherwise), the quartiles (continuous, DuckDB's `quantile_cont`) taken
  over the KPI's rows in the analysed range; the bound is reported.
- CAP drops the rows whose column lies above the rule's value.

Each applied rule reports the rows it excluded, counted by the engine over the range (for a
point-in-time KPI such as the backlog: over the rows that started in the range).

External KPIs have no fact rows, only data points with a value: they take CAP and
OUTLIER_IQR on "value" and nothing else. The improvement register's own KPIs (source
`improvement`) take no rule at all: they count initiatives, actions and evaluations as the
register holds them, with no column a rule could read (`refusal()` says why).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from kaizen.improvement.models import CleaningKind, CleaningRule
from kaizen.improvement.selectors import rows_noun
from kaizen.kpis import engine
from kaizen.kpis.models import fact_columns, filter_errors
from kaizen.kpis.spec import Aggregate, Filter, KPIDefinition, Measure, Operator, Source

DEFAULT_IQR_FACTOR = 1.5
# What a rule says, as stored: the journal, the list of rules applied and a next cycle's copy.
RULE_SETTINGS = ("kind", "column", "operator", "value", "factor", "reason")
NUMERIC_TYPES = {"DOUBLE", "INTEGER", "SMALLINT", "BIGINT"}
TIMESTAMP_TYPES = {"TIMESTAMP", "DATE"}
# The condition kept when rows matching `operator` are excluded.
COMPLEMENT = {
    Operator.EQ: Operator.NE,
    Operator.NE: Operator.EQ,
    Operator.LT: Operator.GE,
    Operator.LE: Operator.GT,
    Operator.GT: Operator.LE,
    Operator.GE: Operator.LT,
}
OPERATOR_TEXT = {
    Operator.EQ: "=",
    Operator.NE: "≠",
    Operator.LT: "<",
    Operator.LE: "≤",
    Operator.GT: ">",
    Operator.GE: "≥",
    Operator.IN: "in",
}


# -- checking a rule ----------------------------------------------------------------------------


def _number(value: Any) -> float | int | None:
    """A number from a number or its text ("4", "2.5"); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() and "." not in value else number
    return None


def _typed(value: Any, sql_type: str) -> tuple[Any, str]:
    """The value as its column's type wants it (text from a form becomes a number or a
    boolean), or an error message."""
    if sql_type in NUMERIC_TYPES:
        number = _number(value)
        return (number, "") if number is not None else (value, "must be a number")
    if sql_type == "BOOLEAN":
        if isinstance(value, bool):
            return value, ""
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true", ""
        return value, "must be true or false"
    if sql_type in TIMESTAMP_TYPES:
        try:
            dt.datetime.fromisoformat(str(value))
        except ValueError:
            return value, "must be a date or date-time (2026-03-31 or 2026-03-31T08:00)"
        return str(value), ""
    if isinstance(value, list | dict) or value is None:
        return value, "must be a single value"
    return str(value), ""


def refusal(definition: KPIDefinition | None) -> str:
    """Why the KPI takes no cleaning rule at all, or "" when it may have rules."""
    if definition is None or definition.measure is None:
        return "the KPI is not measurable, so there is nothing to clean"
    if definition.measure.source == Source.IMPROVEMENT:
        return (
            f"{definition.name} is counted from the improvement register's own records "
            "(initiatives, actions, evaluations) and cannot be cleaned: there are no measured "
            "rows to leave out. Correct the register's records instead."
        )
    return ""


def rule_settings(rule: CleaningRule) -> dict[str, Any]:
    """The rule's kind, column, comparison, factor and reason (RULE_SETTINGS) by name."""
    return {name: getattr(rule, name) for name in RULE_SETTINGS}


def check_rule(
    definition: KPIDefinition | None,
    *,
    kind: str,
    column: str,
    operator: str = "",
    value: Any = None,
    factor: float | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The rule's fields as they are to be stored (value typed, default factor filled), and
    what is wrong with them by field (empty: it can be recorded)."""
    cleaned: dict[str, Any] = {
        "kind": kind,
        "column": (column or "").strip(),
        "operator": (operator or "").strip(),
        "value": value,
        "factor": factor,
    }
    errors: dict[str, str] = {}
    refused = refusal(definition)
    if refused or definition is None or definition.measure is None:
        errors["initiative_kpi"] = refused
        return cleaned, errors
    if kind not in CleaningKind.values:
        errors["kind"] = f"one of {', '.join(CleaningKind.values)}"
        return cleaned, errors
    source = Source(definition.measure.source)
    column = cleaned["column"]
    if source == Source.EXTERNAL:
        if kind == CleaningKind.EXCLUDE:
            errors["kind"] = (
                "an external KPI's data points carry only a value: clean them with a cap or an "
                "outlier rule on value"
            )
            return cleaned, errors
        if column != "value":
            errors["column"] = "an external KPI is cleaned on its value only"
            return cleaned, errors
        columns = {"value": "DOUBLE"}
    else:
        columns = fact_columns(source)
    if column not in columns:
        errors["column"] = f"{column!r} is not a column of {source}: one of {', '.join(columns)}"
        return cleaned, errors
    sql_type = columns[column]
    if kind == CleaningKind.EXCLUDE:
        errors.update(_exclude_errors(cleaned, sql_type, columns))
    else:
        if cleaned["operator"]:
            errors["operator"] = "only an exclude rule compares with an operator"
        if sql_type not in NUMERIC_TYPES:
            errors["column"] = f"{column} is not a number: caps and outliers need a number"
    if kind == CleaningKind.CAP:
        number = _number(value)
        if number is None:
            errors["value"] = "the cap is a number: rows above it are excluded"
        cleaned["value"] = number
    if kind == CleaningKind.OUTLIER_IQR:
        if value not in (None, ""):
            errors["value"] = "an outlier rule computes its bound from the data; give a factor"
        cleaned["value"] = None
        cleaned["factor"] = DEFAULT_IQR_FACTOR if factor in (None, "") else _number(factor)
        if cleaned["factor"] is None or cleaned["factor"] <= 0:
            errors["factor"] = "a positive number (1.5 is Tukey's fence, 3 marks far outliers)"
    elif factor not in (None, ""):
        errors["factor"] = "only an outlier rule takes a factor"
    return cleaned, errors


def _exclude_errors(cleaned: dict[str, Any], sql_type: str, columns: dict[str, str]) -> dict:
    operator, value, column = cleaned["operator"], cleaned["value"], cleaned["column"]
    operators = [item.value for item in Operator]
    if operator not in operators:
        return {"operator": f"one of {', '.join(operators)}"}
    if operator == Operator.IS_NULL or operator == Operator.IS_TRUE:
        if not isinstance(value, bool):
            typed, problem = _typed(value, "BOOLEAN")
            if problem:
                return {"value": f"{operator} takes true or false"}
            cleaned["value"] = value = typed
        if operator == Operator.IS_TRUE and sql_type != "BOOLEAN":
            return {"operator": f"{column} is not a true/false column"}
    elif operator == Operator.IN:
        items = value if isinstance(value, list) else None
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
        if not items:
            return {"value": "'in' takes a list of values"}
        typed_items = []
        for item in items:
            typed, problem = _typed(item, sql_type)
            if problem:
                return {"value": f"{item!r}: {problem}"}
            typed_items.append(typed)
        cleaned["value"] = value = typed_items
    else:
        typed, problem = _typed(value, sql_type)
        if problem:
            return {"value": f"{column} {problem}"}
        cleaned["value"] = value = typed
    message = filter_errors([{"column": column, "operator": operator, "value": value}], columns)
    return {"value": message.removeprefix("filter 1: ")} if message else {}


# -- applying rules -----------------------------------------------------------------------------


def kept_filters(rule: CleaningRule, bound: float | None = None) -> tuple[Filter, ...]:
    """The conditions the measure keeps so that the rule's rows are left out.

    NULLs: an empty column makes a comparison unknown, and SQL keeps a row only when the
    condition is true, so rows where the rule's column is empty are left out too (`state <>
    'cancelled'` is not true for a row without a state; `resolution_hours <= 40` is not true
    for an unresolved incident; `is_true false` keeps only false, not empty). The figures
    report those rows apart (`rows_without_value`), so nothing leaves silently. `is_null`
    rules are exact: they are about the empty rows themselves."""
    column, value = rule.column, rule.value
    if rule.kind == CleaningKind.CAP:
        return (Filter(column, Operator.LE, value),)
    if rule.kind == CleaningKind.OUTLIER_IQR:
        return () if bound is None else (Filter(column, Operator.LE, bound),)
    operator = Operator(rule.operator)
    if operator in COMPLEMENT:
        return (Filter(column, COMPLEMENT[operator], value),)
    if operator == Operator.IN:  # not in [a, b] = <> a and <> b
        return tuple(Filter(column, Operator.NE, item) for item in value or [])
    return (Filter(column, operator, not value),)  # is_null, is_true: the other answer


def _with_filters(definition: KPIDefinition, filters: Iterable[Filter]) -> KPIDefinition:
    measure = definition.measure
    assert measure is not None
    return replace(definition, measure=replace(measure, filters=(*measure.filters, *filters)))


def _rows_measure(measure: Measure, **changes: Any) -> Measure:
    """The same rows as `measure` (its own filters), aggregated differently: placed by the
    period column, or for a point-in-time measure by the start of the interval (so rows are
    counted once, when they arrived)."""
    fields: dict[str, Any] = {
        "period_column": measure.period_column or measure.interval_start,
        "interval_start": None,
        "interval_end": None,
        "numerator": (),
        "denominator": (),
        "column": None,
        "percentile": None,
    }
    fields.update(changes)
    return replace(measure, **fields)


class _Counter:
    """Runs the counting and quartile variants of one KPI over the range, each batch in one
    engine call (one DuckDB query for store sources)."""

    def __init__(self, definition: KPIDefinition, start: dt.date, end: dt.date, connection: Any):
        self.definition = definition
        self.start, self.end = start, end
        self.connection = connection
        measure = definition.measure
        assert measure is not None
        self.external = measure.source == Source.EXTERNAL

    def variant(self, current: KPIDefinition, name: str, **changes: Any) -> KPIDefinition:
        measure = current.measure
        assert measure is not None
        key = current.key if self.external else f"{current.key}~{name}"
        return replace(current, key=key, measure=_rows_measure(measure, **changes))

    def run(self, variants: dict[str, KPIDefinition]) -> dict[str, tuple[float | None, int]]:
        found: dict[str, tuple[float | None, int]] = {}
        if self.external:  # the points of one key: compute each variant on its own
            for name, variant in variants.items():
                rows = engine.compute(variant, period="all", start=self.start, end=self.end).rows
                found[name] = _single(rows)
            return found
        results = engine.scorecard(
            list(variants.values()),
            period="all",
            start=self.start,
            end=self.end,
            connection=self.connection,
        )
        for name, variant in variants.items():
            found[name] = _single(results[variant.key].rows)
        return found


def _single(rows: Sequence[dict[str, Any]]) -> tuple[float | None, int]:
    if not rows:
        return None, 0
    return rows[0]["value"], int(rows[0]["n"] or 0)


def _count(result: tuple[float | None, int]) -> int:
    return int(result[1])


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(item) for item in value) + "]"
    return str(value)


def describe(
    rule: CleaningRule,
    definition: KPIDefinition,
    *,
    excluded: int | None,
    bound: float | None,
    empty: int = 0,
) -> str:
    """The rule in one sentence, with what it did when known."""
    noun = rows_noun(definition)
    column = rule.column
    if rule.kind == CleaningKind.CAP:
        what = f"Excluded {noun} with {column} above {_fmt(rule.value)}"
    elif rule.kind == CleaningKind.OUTLIER_IQR:
        factor = rule.factor or DEFAULT_IQR_FACTOR
        if bound is None:
            what = (
                f"Outliers of {column} (above Q3 + {factor:g} × IQR): no values in the range, "
                "nothing excluded"
            )
        else:
            what = f"Excluded {noun} with {column} above {bound:.4g} (Q3 + {factor:g} × IQR)"
    else:
        operator = Operator(rule.operator)
        if operator == Operator.IS_NULL:
            what = f"Excluded {noun} {'with no' if rule.value else 'with a'} {column}"
        elif operator == Operator.IS_TRUE:
            what = f"Excluded {noun} where {column} is {'true' if rule.value else 'false'}"
        else:
            what = f"Excluded {noun} with {column} {OPERATOR_TEXT[operator]} {_fmt(rule.value)}"
    if excluded is not None:
        counted = f"{excluded} row{'s' if excluded != 1 else ''}"
        if empty:
            counted += f", {empty} of them with no {column}"
        what += f" ({counted})"
    return what


def apply_rules(
    definition: KPIDefinition,
    rules: Sequence[CleaningRule],
    *,
    start: dt.date,
    end: dt.date,
    connection: Any = None,
) -> tuple[KPIDefinition, list[dict[str, Any]]]:
    """The KPI with its cleaning rules added to its measure, and what each rule did over
    [start, end): {id, kind, column, operator, value, factor, reason, description, bound, q1,
    q3, rows_before, rows_excluded, rows_without_value}."""
    if not rules:
        return definition, []
    measure = definition.measure
    if measure is None:
        raise engine.NotMeasurable(f"{definition.key} is not measurable")
    if measure.source == Source.IMPROVEMENT:  # recorded some other way than check_rule
        raise engine.EngineError(refusal(definition))
    counter = _Counter(definition, start, end, connection)
    current = definition
    applied: list[dict[str, Any]] = []
    rows_before: int | None = None
    for rule in rules:
        variants = {}
        if rows_before is None:
            variants["rows"] = counter.variant(current, "rows", aggregate=Aggregate.COUNT)
        if not counter.external and not (
            rule.kind == CleaningKind.EXCLUDE and rule.operator == Operator.IS_NULL
        ):
            variants["empty"] = counter.variant(
                current,
                "empty",
                aggregate=Aggregate.COUNT,
                filters=(*current.measure.filters, Filter(rule.column, Operator.IS_NULL, True)),
            )
        bound = q1 = q3 = None
        if rule.kind == CleaningKind.OUTLIER_IQR:
            for name, fraction in (("q1", 25.0), ("q3", 75.0)):
                variants[name] = counter.variant(
                    current,
                    name,
                    aggregate=Aggregate.PERCENTILE,
                    column=rule.column,
                    percentile=fraction,
                )
        found = counter.run(variants)
        if rows_before is None:
            rows_before = _count(found["rows"])
        if rule.kind == CleaningKind.OUTLIER_IQR:
            q1, q3 = found["q1"][0], found["q3"][0]
            if q1 is not None and q3 is not None:
                factor = rule.factor or DEFAULT_IQR_FACTOR
                bound = float(q3 + factor * (q3 - q1))
        filters = kept_filters(rule, bound)
        cleaned = _with_filters(current, filters)
        rows_after = rows_before
        if filters:
            after = counter.run(
                {"rows": counter.variant(cleaned, "rows", aggregate=Aggregate.COUNT)}
            )
            rows_after = _count(after["rows"])
        excluded = rows_before - rows_after
        empty = _count(found["empty"]) if "empty" in found and filters else 0
        applied.append(
            {
                "id": rule.pk,
                **rule_settings(rule),
                "description": describe(
                    rule, definition, excluded=excluded, bound=bound, empty=empty
                ),
                "bound": bound if rule.kind != CleaningKind.CAP else _number(rule.value),
                "q1": q1,
                "q3": q3,
                "rows_before": rows_before,
                "rows_excluded": excluded,
                "rows_without_value": empty,
            }
        )
        current, rows_before = cleaned, rows_after
    return current, applied
