"""The KPIs shipped with Kaizen: ITIL measures of incident, problem, change, request, service
level, availability, customer satisfaction and improvement.

Each is a `KPIDefinition`. Those Kaizen can measure today (from the analytics store's incident
facts and incident events, or from the improvement register's rows) carry a `Measure`; the
others are listed with `measure=None` and the reason, so the gap between what ITIL asks for
and what Kaizen can measure is visible rather than hidden. A process that comes later turns
its entries into measured ones by giving them a measure over its own source (its fact family
in the analytics store: see docs/kpis.md). The improvement register's KPIs are defined beside
the code that measures them (kaizen.improvement.kpi_source) and registered here
(`register_kpis`). Custom KPIs (kaizen.kpis.models.CustomKPI) join the library through
`all_kpis()` and `get_kpi()`.
"""

from collections.abc import Iterable

from kaizen.analytics.problem_kind import FIX_WINDOW_WEEKS
from kaizen.kpis.spec import (
    AGE_HOURS,
    Aggregate,
    Direction,
    Filter,
    KPIDefinition,
    Measure,
    Operator,
    Source,
    Thresholds,
    Unit,
    column_value,
)

HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
# "Within one business day": business hours counted by the SLA calendar; a business day is
# taken as 8 of them (the default calendar's working day).
BUSINESS_DAY_HOURS = 8.0
AGED_BACKLOG_HOURS = 30 * 24.0

# Filters used by several KPIs.
SLA_MEASURED = Filter("sla_met", Operator.IS_NULL, False)
RESPONSE_SLA_MEASURED = Filter("response_sla_met", Operator.IS_NULL, False)
FCR_RECORDED = Filter("first_contact_resolution", Operator.IS_NULL, False)
CHANNEL_KNOWN = Filter("channel", Operator.IS_NULL, False)
MAJOR = Filter("major_incident", Operator.IS_TRUE, True)


class UnknownKPI(LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"unknown KPI {key!r}")
        self.key = key


def incidents(aggregate: Aggregate, placed_by: str, **fields: object) -> Measure:
    """A measure over incident facts, each incident placed in the period of `placed_by`."""
    return Measure(
        source=Source.INCIDENTS,
        aggregate=aggregate,
        period_column=placed_by,
        **fields,  # type: ignore[arg-type]
    )


def backlog(aggregate: Aggregate, **fields: object) -> Measure:
    """A point-in-time measure over the incidents open at each period's end: opened, and not
    yet resolved, closed or cancelled (whichever came first)."""
    return Measure(
        source=Source.INCIDENTS,
        aggregate=aggregate,
        period_column=None,
        interval_start="opened_at",
        interval_end=("resolved_at", "closed_at", "cancelled_at"),
        **fields,  # type: ignore[arg-type]
    )


def events(aggregate: Aggregate, **fields: object) -> Measure:
    """A measure over incident journal events, each placed by when it happened."""
    return Measure(
        source=Source.INCIDENT_EVENTS,
        aggregate=aggregate,
        period_column="occurred_at",
        **fields,  # type: ignore[arg-type]
    )


def measured(
    key: str,
    name: str,
    description: str,
    formula: str,
    unit: Unit,
    direction: Direction,
    measure: Measure,
    *,
    process: str = "incident",
    target: float | None = None,
    warning: float | None = None,
    required_fields: tuple[str, ...] | None = None,
) -> KPIDefinition:
    """A KPI Kaizen measures. Its required fields are the columns the measure reads unless
    given (event KPIs: most events leave the *_from/*_to columns empty by nature)."""
    return KPIDefinition(
        key=key,
        name=name,
        process=process,
        description=description,
        formula=formula,
        unit=unit,
        direction=direction,
        thresholds=Thresholds(target=target, warning=warning),
        required_fields=measure.fields() if required_fields is None else required_fields,
        measure=measure,
    )


def not_yet(
    key: str,
    name: str,
    process: str,
    description: str,
    formula: str,
    unit: Unit,
    direction: Direction,
    *,
    reason: str,
    required_fields: tuple[str, ...],
    target: float | None = None,
    warning: float | None = None,
) -> KPIDefinition:
    """A KPI ITIL asks for that Kaizen cannot measure yet; `required_fields` names the data it
    would need (as `<record>.<field>`)."""
    return KPIDefinition(
        key=key,
        name=name,
        process=process,
        description=description,
        formula=formula,
        unit=unit,
        direction=direction,
        thresholds=Thresholds(target=target, warning=warning),
        required_fields=required_fields,
        measure=None,
        not_measurable_reason=reason,
    )


# Volume counts (opened, resolved, backlog...) ship without a target: what is "good" depends
# on the organisation's size; set one on the KPI page.
INCIDENT_KPIS = (
    measured(
        "incident.opened",
        "Incidents opened",
        "How many incidents were logged: the demand on the service desk and a first sign of "
        "unstable services.",
        "count of incidents, by opened_at",
        Unit.COUNT,
        LOWER,
        incidents(Aggregate.COUNT, "opened_at"),
    ),
    measured(
        "incident.resolved",
        "Incidents resolved",
        "How many incidents were resolved: the throughput of incident management. Compared "
        "with incidents opened it shows whether the backlog grows.",
        "count of incidents with resolved_at, by resolved_at",
        Unit.COUNT,
        HIGHER,
        incidents(Aggregate.COUNT, "resolved_at"),
    ),
    measured(
        "incident.backlog",
        "Incident backlog",
        "Incidents still open at the end of each period: work waiting and users still affected.",
        "count of incidents with opened_at <= period end < first of (resolved_at, closed_at, "
        "cancelled_at), taken at each period's end",
        Unit.COUNT,
        LOWER,
        backlog(Aggregate.COUNT),
    ),
    measured(
        "incident.resolution_hours_mean",
        "Mean time to resolve (MTTR)",
        "The average wall-clock time from logging to resolution. Sensitive to a few very long "
        "incidents; read with the median and the 90th percentile.",
        "mean of resolution_hours over resolved incidents, by resolved_at",
        Unit.HOURS,
        LOWER,
        incidents(Aggregate.MEAN, "resolved_at", column="resolution_hours"),
        target=16,
        warning=24,
    ),
    measured(
        "incident.resolution_hours_median",
        "Median time to resolve",
        "The typical wall-clock time from logging to resolution: half the incidents took longer.",
        "median (continuous) of resolution_hours over resolved incidents, by resolved_at",
        Unit.HOURS,
        LOWER,
        incidents(Aggregate.MEDIAN, "resolved_at", column="resolution_hours"),
        target=8,
        warning=16,
    ),
    measured(
        "incident.resolution_hours_p90",
        "90th percentile time to resolve",
        "The wall-clock time nine incidents in ten are resolved within: the long tail users "
        "remember.",
        "90th percentile (continuous) of resolution_hours over resolved incidents, by resolved_at",
        Unit.HOURS,
        LOWER,
        incidents(Aggregate.PERCENTILE, "resolved_at", column="resolution_hours", percentile=90),
        target=72,
        warning=120,
    ),
    measured(
        "incident.first_response_hours_median",
        "Median time to first response",
        "How long a caller typically waits before someone works on their incident.",
        "median (continuous) of first_response_hours, by first_responded_at",
        Unit.HOURS,
        LOWER,
        incidents(Aggregate.MEDIAN, "first_responded_at", column="first_response_hours"),
        target=0.5,
        warning=1,
    ),
    measured(
        "incident.first_response_hours_p90",
        "90th percentile time to first response",
        "The wait for a first response that nine callers in ten do not exceed.",
        "90th percentile (continuous) of first_response_hours, by first_responded_at",
        Unit.HOURS,
        LOWER,
        incidents(
            Aggregate.PERCENTILE,
            "first_responded_at",
            column="first_response_hours",
            percentile=90,
        ),
        target=2,
        warning=4,
    ),
    measured(
        "incident.sla_met_pct",
        "Incidents resolved within SLA",
        "The share of resolved incidents that met their resolution target: the headline of "
        "service level reporting.",
        "100 x incidents with sla_met true / incidents with sla_met not null, by resolved_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE,
            "resolved_at",
            filters=(SLA_MEASURED,),
            numerator=(Filter("sla_met", Operator.IS_TRUE, True),),
        ),
        target=95,
        warning=90,
    ),
    measured(
        "incident.reopened_pct",
        "Incidents reopened",
        "The share of resolved incidents that were reopened at least once: resolutions that "
        "did not hold.",
        "100 x resolved incidents with reopen_count > 0 / resolved incidents, by resolved_at",
        Unit.PERCENT,
        LOWER,
        incidents(
            Aggregate.SHARE,
            "resolved_at",
            numerator=(Filter("reopen_count", Operator.GT, 0),),
        ),
        target=5,
        warning=10,
    ),
    measured(
        "incident.reassignment_mean",
        "Mean reassignments per incident",
        "How often an incident changes hands before it is resolved; each hand-over costs time "
        "and points at routing or skills gaps.",
        "mean of reassignment_count over resolved incidents, by resolved_at",
        Unit.NUMBER,
        LOWER,
        incidents(Aggregate.MEAN, "resolved_at", column="reassignment_count"),
        target=1,
        warning=2,
    ),
    measured(
        "incident.reassigned_pct",
        "Incidents reassigned",
        "The share of resolved incidents that were reassigned at least once.",
        "100 x resolved incidents with reassignment_count > 0 / resolved incidents, by resolved_at",
        Unit.PERCENT,
        LOWER,
        incidents(
            Aggregate.SHARE,
            "resolved_at",
            numerator=(Filter("reassignment_count", Operator.GT, 0),),
        ),
        target=20,
        warning=30,
    ),
    measured(
        "incident.first_contact_resolution_pct",
        "First contact resolution",
        "The share of incidents the service desk resolved at the first contact, without "
        "passing them on: cheaper for IT, faster for the caller.",
        "100 x incidents with first_contact_resolution true / incidents with "
        "first_contact_resolution not null, by resolved_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE,
            "resolved_at",
            filters=(FCR_RECORDED,),
            numerator=(Filter("first_contact_resolution", Operator.IS_TRUE, True),),
        ),
        target=70,
        warning=60,
    ),
    measured(
        "incident.resolution_business_hours_median",
        "Median time to resolve in business hours",
        "The typical time to resolve counted in the SLA calendar's business hours only: what "
        "the support teams can influence.",
        "median (continuous) of resolution_business_hours, by resolved_at",
        Unit.HOURS,
        LOWER,
        incidents(Aggregate.MEDIAN, "resolved_at", column="resolution_business_hours"),
        target=8,
        warning=16,
    ),
    measured(
        "incident.resolved_within_1_business_day_pct",
        "Resolved within one business day",
        f"The share of resolved incidents resolved within one business day "
        f"({BUSINESS_DAY_HOURS:g} business hours).",
        f"100 x incidents with resolution_business_hours <= {BUSINESS_DAY_HOURS:g} / incidents "
        "with resolution_business_hours not null, by resolved_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE,
            "resolved_at",
            filters=(Filter("resolution_business_hours", Operator.IS_NULL, False),),
            numerator=(Filter("resolution_business_hours", Operator.LE, BUSINESS_DAY_HOURS),),
        ),
        target=80,
        warning=70,
    ),
    measured(
        "incident.major_count",
        "Major incidents",
        "How many incidents were declared major: the events with the highest business impact.",
        "count of incidents with major_incident true, by opened_at",
        Unit.COUNT,
        LOWER,
        incidents(Aggregate.COUNT, "opened_at", filters=(MAJOR,)),
        target=0,
        warning=1,
    ),
    measured(
        "incident.major_resolution_hours_median",
        "Median time to restore service after a major incident",
        "The typical time from logging a major incident to its resolution (mean time to "
        "restore service, MTRS, for what matters most).",
        "median (continuous) of resolution_hours over major incidents, by resolved_at",
        Unit.HOURS,
        LOWER,
        incidents(Aggregate.MEDIAN, "resolved_at", column="resolution_hours", filters=(MAJOR,)),
        target=4,
        warning=8,
    ),
    measured(
        "incident.p1_resolution_hours_median",
        "Median time to resolve priority 1",
        "The typical time to resolve the most urgent incidents.",
        "median (continuous) of resolution_hours over incidents with priority = 1, by resolved_at",
        Unit.HOURS,
        LOWER,
        incidents(
            Aggregate.MEDIAN,
            "resolved_at",
            column="resolution_hours",
            filters=(Filter("priority", Operator.EQ, 1),),
        ),
        target=4,
        warning=8,
    ),
    measured(
        "incident.escalations",
        "Priority escalations",
        "How often an incident's priority was raised after logging: a sign of impact "
        "underestimated at first or of incidents that got worse while waiting.",
        "count of incident events with priority_to < priority_from (1 is the highest), by "
        "occurred_at",
        Unit.COUNT,
        LOWER,
        events(
            Aggregate.COUNT,
            filters=(Filter("priority_to", Operator.LT, column_value("priority_from")),),
        ),
        required_fields=("occurred_at",),
    ),
    measured(
        "incident.team_transfers",
        "Transfers between teams",
        "How often incidents moved from one assignment group to another (functional "
        "escalations and misroutings).",
        "count of incident events with team_to <> team_from (both set), by occurred_at",
        Unit.COUNT,
        LOWER,
        events(
            Aggregate.COUNT,
            filters=(Filter("team_to", Operator.NE, column_value("team_from")),),
        ),
        required_fields=("occurred_at",),
    ),
    measured(
        "incident.self_service_pct",
        "Incidents logged through self-service",
        "The share of incidents callers logged themselves in the portal: a channel that costs "
        "the service desk least.",
        "100 x incidents with channel = 'self_service' / incidents with a channel, by opened_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE,
            "opened_at",
            filters=(CHANNEL_KNOWN,),
            numerator=(Filter("channel", Operator.EQ, "self_service"),),
        ),
        target=30,
        warning=20,
    ),
    measured(
        "incident.monitoring_detected_pct",
        "Incidents detected by monitoring",
        "The share of incidents raised by monitoring rather than by users: proactive "
        "detection, often before users notice.",
        "100 x incidents with channel = 'monitoring' / incidents with a channel, by opened_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE,
            "opened_at",
            filters=(CHANNEL_KNOWN,),
            numerator=(Filter("channel", Operator.EQ, "monitoring"),),
        ),
        target=40,
        warning=25,
    ),
    measured(
        "incident.cancelled_pct",
        "Incidents cancelled",
        "The share of logged incidents later cancelled (duplicates, logged in error): noise "
        "in the queue.",
        "100 x incidents with cancelled_at set / incidents, by opened_at",
        Unit.PERCENT,
        LOWER,
        incidents(
            Aggregate.SHARE,
            "opened_at",
            numerator=(Filter("cancelled_at", Operator.IS_NULL, False),),
        ),
        target=5,
        warning=10,
    ),
    measured(
        "incident.backlog_age_hours_median",
        "Median age of the backlog",
        "How long the incidents open at each period's end have been open, typically: a "
        "growing age means old incidents are left behind.",
        "median (continuous) of (period end - opened_at) in hours over the incidents open at "
        "each period's end",
        Unit.HOURS,
        LOWER,
        backlog(Aggregate.MEDIAN, column=AGE_HOURS),
        target=72,
        warning=168,
    ),
    measured(
        "incident.backlog_older_than_30_days",
        "Backlog older than 30 days",
        "Incidents open at a period's end that were opened more than 30 days before: the "
        "forgotten ones.",
        f"count of incidents open at each period's end with age >= {AGED_BACKLOG_HOURS:g} hours",
        Unit.COUNT,
        LOWER,
        backlog(Aggregate.COUNT, filters=(Filter(AGE_HOURS, Operator.GE, AGED_BACKLOG_HOURS),)),
        target=0,
        warning=10,
    ),
)


def service_levels_measure() -> Measure:
    """Measured by the service levels app's figures (kaizen/servicelevels/figures.py), the
    ones its report shows, through the `service_levels` database source it registers: the
    aggregate here is what they are in words."""
    return Measure(source=Source.SERVICE_LEVELS, aggregate=Aggregate.MEAN, period_column=None)


SERVICE_LEVEL_KPIS = (
    measured(
        "service_level.resolution_breaches",
        "Resolution SLA breaches",
        "How many resolved incidents missed their resolution target.",
        "count of incidents with sla_met false, by resolved_at",
        Unit.COUNT,
        LOWER,
        incidents(
            Aggregate.COUNT, "resolved_at", filters=(Filter("sla_met", Operator.IS_TRUE, False),)
        ),
        process="service_level",
    ),
    measured(
        "service_level.sla_coverage_pct",
        "Incidents measured against an SLA",
        "The share of resolved incidents that have an SLA verdict at all: targets that are "
        "not measured cannot be managed.",
        "100 x resolved incidents with sla_met not null / resolved incidents, by resolved_at",
        Unit.PERCENT,
        HIGHER,
        incidents(Aggregate.SHARE, "resolved_at", numerator=(SLA_MEASURED,)),
        process="service_level",
        target=95,
        warning=80,
        required_fields=("resolved_at",),
    ),
    measured(
        "service_level.response_sla_met_pct",
        "Incidents responded to within SLA",
        "The share of incidents whose first response met its target, of those measured "
        "against a response target. Each incident counts in the period it was opened: an "
        "incident whose response target ran out before anyone responded is a breach even "
        "if nobody ever responds.",
        "100 x incidents with response_sla_met true / incidents with response_sla_met not "
        "null, by opened_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE,
            "opened_at",
            filters=(RESPONSE_SLA_MEASURED,),
            numerator=(Filter("response_sla_met", Operator.IS_TRUE, True),),
        ),
        process="service_level",
        target=95,
        warning=90,
    ),
    measured(
        "service_level.services_meeting_targets_pct",
        "Services meeting their service level targets",
        "The share of services covered by a service level agreement in force that met every "
        "target agreed for them in the period: the availability target, on the agreement's "
        "agreed hours, and each ticket target, on the service's tickets. Reports use the "
        "terms in force: a version changed mid-period judges each part on its own targets.",
        "100 x services meeting all their agreements' targets / services covered by an SLA in "
        "force, per period ([service-levels.md](service-levels.md))",
        Unit.PERCENT,
        HIGHER,
        service_levels_measure(),
        process="service_level",
        required_fields=(
            "agreement.status",
            "agreement_terms.services",
            "agreement_terms.availability_percent",
            "agreement_terms.targets",
        ),
        target=100,
        warning=90,
    ),
)


def availability_measure() -> Measure:
    """The availability KPIs are measured by the availability app's engine (exact interval
    algebra in agreed service hours), through the `availability` database source
    (kaizen.kpis.availability_rows): the aggregate here is what they are in words."""
    return Measure(source=Source.AVAILABILITY, aggregate=Aggregate.MEAN, period_column=None)


AVAILABILITY_FIELDS = (
    "outage.started_at",
    "outage.ended_at",
    "outage.status",
    "availability_target.target_percent",
    "availability_target.calendar",
)
AVAILABILITY_KPIS = (
    measured(
        "availability.service_availability_pct",
        "Service availability",
        "The share of agreed service time the services with an availability target were "
        "available, from confirmed outages: planned work inside a maintenance window is left "
        "out, overlapping outages count once, degraded service counts for the share of users "
        "affected. Over several services their time is pooled.",
        "100 x (agreed service time - downtime) / agreed service time, in each service's "
        "agreed hours while a target is in force (docs/availability.md)",
        Unit.PERCENT,
        HIGHER,
        availability_measure(),
        process="service_level",
        required_fields=AVAILABILITY_FIELDS,
        target=99.9,
        warning=99.5,
    ),
    measured(
        "availability.outage_hours",
        "Downtime",
        "Hours of agreed service time lost to confirmed outages in the period (degraded "
        "service weighted by the share of users affected), over the services with an "
        "availability target.",
        "sum of downtime in agreed service hours, in hours",
        Unit.HOURS,
        LOWER,
        availability_measure(),
        process="service_level",
        required_fields=AVAILABILITY_FIELDS,
        target=0,
        warning=4,
    ),
    measured(
        "availability.mtbf_hours",
        "Mean time between failures (MTBF)",
        "The agreed service time a service is up per service break (a full outage; "
        "overlapping outages are one break): reliability. No break in a period: no figure.",
        "(agreed service time - time lost to breaks) / breaks, in hours",
        Unit.HOURS,
        HIGHER,
        availability_measure(),
        process="service_level",
        required_fields=AVAILABILITY_FIELDS,
        target=2000,
        warning=720,
    ),
    measured(
        "availability.mtrs_hours",
        "Mean time to restore service (MTRS)",
        "The agreed service time lost per service break, from failure to restored service: "
        "maintainability. No break in a period: no figure.",
        "agreed service time lost to breaks / breaks, in hours",
        Unit.HOURS,
        LOWER,
        availability_measure(),
        process="service_level",
        required_fields=AVAILABILITY_FIELDS,
        target=2,
        warning=4,
    ),
    measured(
        "availability.outages_confirmed",
        "Confirmed outages",
        "How many outages of any service (unplanned, planned work, degraded service) were "
        "confirmed, counted in the period they started, from the analytics store's outage "
        "facts: a proposal counts once confirmed, a dismissed one never. A count of "
        "recorded outages, not of lost time: whether planned work fell inside a maintenance "
        "window and whether the service has an availability target is the downtime KPIs' to "
        "judge.",
        "count of outages with confirmed true, by started_at",
        Unit.COUNT,
        LOWER,
        Measure(
            source=Source.OUTAGES,
            aggregate=Aggregate.COUNT,
            period_column="started_at",
            filters=(Filter("confirmed", Operator.IS_TRUE, True),),
        ),
        process="service_level",
    ),
)


def problems(aggregate: Aggregate, placed_by: str | None, **fields: object) -> Measure:
    """A measure over problem facts, each problem placed in the period of `placed_by` (None:
    taken at each period's end, over the interval its `fields` name)."""
    return Measure(
        source=Source.PROBLEMS,
        aggregate=aggregate,
        period_column=placed_by,
        **fields,  # type: ignore[arg-type]
    )


PROBLEM_KPIS = (
    measured(
        "problem.opened",
        "Problems opened",
        "How many problems were raised to find the causes of incidents. Problems known only "
        "because imported incidents name them count from when the first of them was opened.",
        "count of problems, by opened_at",
        Unit.COUNT,
        HIGHER,
        problems(Aggregate.COUNT, "opened_at"),
        process="problem",
    ),
    measured(
        "problem.known_errors_open",
        "Open known errors",
        "Known errors (diagnosed, with a workaround) not yet removed at the period's end.",
        "count of problems with known_error_at < period end <= first of (resolved_at, "
        "closed_at), taken at each period's end",
        Unit.COUNT,
        LOWER,
        problems(
            Aggregate.COUNT,
            None,
            interval_start="known_error_at",
            interval_end=("resolved_at", "closed_at"),
        ),
        process="problem",
    ),
    measured(
        "problem.root_cause_hours_median",
        "Median time to root cause",
        "How long it typically takes from raising a problem to identifying its root cause.",
        "median (continuous) of root_cause_hours (root_cause_at - opened_at), by root_cause_at",
        Unit.HOURS,
        LOWER,
        problems(Aggregate.MEDIAN, "root_cause_at", column="root_cause_hours"),
        process="problem",
        target=240,
        warning=480,
    ),
    measured(
        "problem.known_error_hours_median",
        "Median time to known error",
        "How long it typically takes from raising a problem until it is a known error: its "
        "cause found and a workaround at hand for the incidents it still causes.",
        "median (continuous) of known_error_hours (known_error_at - opened_at), by known_error_at",
        Unit.HOURS,
        LOWER,
        problems(Aggregate.MEDIAN, "known_error_at", column="known_error_hours"),
        process="problem",
        target=360,
        warning=720,
    ),
    measured(
        "problem.workaround_pct",
        "Problems with a workaround",
        "The share of problems that have a workaround recorded: incidents they cause can be "
        "restored without waiting for the fix. Problems known only by reference are left "
        "out: what they recorded is not known.",
        "100 x problems with has_workaround true / problems not known only by reference, by "
        "opened_at",
        Unit.PERCENT,
        HIGHER,
        problems(
            Aggregate.SHARE,
            "opened_at",
            filters=(Filter("reference_only", Operator.IS_TRUE, False),),
            numerator=(Filter("has_workaround", Operator.IS_TRUE, True),),
        ),
        process="problem",
        target=80,
        warning=60,
        required_fields=("opened_at",),
    ),
    measured(
        "problem.incidents_with_problem_pct",
        "Incidents linked to a problem",
        "The share of incidents attached to a problem or known error: how much of the "
        "incident load is being worked at its cause.",
        "100 x incidents linked to a problem (problem not null) / incidents, by opened_at",
        Unit.PERCENT,
        HIGHER,
        incidents(
            Aggregate.SHARE, "opened_at", numerator=(Filter("problem", Operator.IS_NULL, False),)
        ),
        process="problem",
        target=30,
        warning=15,
        required_fields=("opened_at",),
    ),
    measured(
        "problem.repeat_incidents_pct",
        "Repeat incidents",
        "The share of incidents matching a known error: recurring failures problem "
        "management should remove. An incident matches when it was linked by applying a "
        "known-error article, or linked to a problem that was already a known error when the "
        "incident was opened.",
        "100 x incidents with known_error true / incidents, by opened_at",
        Unit.PERCENT,
        LOWER,
        incidents(
            Aggregate.SHARE, "opened_at", numerator=(Filter("known_error", Operator.IS_TRUE, True),)
        ),
        process="problem",
        target=10,
        warning=20,
        required_fields=("opened_at",),
    ),
    measured(
        "problem.incidents_avoided",
        "Incidents avoided after fixes",
        f"For each problem fixed (resolved, and not closed as a duplicate, cancelled or risk "
        f"accepted): the incidents of its kind in the {FIX_WINDOW_WEEKS} weeks before its "
        f"resolution (what would have come again at that rate) minus those in the "
        f"{FIX_WINDOW_WEEKS} weeks after, counted once the after window has passed; summed "
        f"over the problems resolved in the period. Negative when incidents rose.",
        f"sum of incidents_avoided (incidents_before - incidents_after, each over "
        f"{FIX_WINDOW_WEEKS} weeks) over fixed problems, by resolved_at",
        Unit.COUNT,
        HIGHER,
        problems(Aggregate.SUM, "resolved_at", column="incidents_avoided"),
        process="problem",
        required_fields=("resolved_at",),
    ),
)


def changes(aggregate: Aggregate, placed_by: str, **fields: object) -> Measure:
    """A measure over change facts, each change placed in the period of `placed_by`."""
    return Measure(
        source=Source.CHANGES,
        aggregate=aggregate,
        period_column=placed_by,
        **fields,  # type: ignore[arg-type]
    )


CLOSED_WITH_OUTCOME = Filter("closure_code", Operator.IS_NULL, False)
IMPLEMENTED = Filter("actual_start", Operator.IS_NULL, False)
CHANGE_KPIS = (
    measured(
        "change.success_pct",
        "Successful changes",
        "The share of closed changes whose outcome was successful (with or without minor "
        "issues) rather than failed or backed out.",
        "100 x changes closed successful or successful with issues / changes closed with an "
        "outcome, by closed_at",
        Unit.PERCENT,
        HIGHER,
        changes(
            Aggregate.SHARE,
            "closed_at",
            filters=(CLOSED_WITH_OUTCOME,),
            numerator=(Filter("successful", Operator.IS_TRUE, True),),
        ),
        process="change",
        target=95,
        warning=90,
    ),
    measured(
        "change.caused_incidents_pct",
        "Changes causing incidents",
        "The share of implemented changes that caused at least one incident, as confirmed by "
        "a person or recorded by an import (the change failure rate as DORA counts it).",
        "100 x implemented changes with a confirmed caused incident / implemented changes, "
        "by actual_start",
        Unit.PERCENT,
        LOWER,
        changes(
            Aggregate.SHARE,
            "actual_start",
            filters=(IMPLEMENTED,),
            numerator=(Filter("caused_incident", Operator.IS_TRUE, True),),
        ),
        process="change",
        target=5,
        warning=15,
    ),
    measured(
        "change.emergency_pct",
        "Emergency changes",
        "The share of changes raised as emergency changes: unplanned work that bypasses normal "
        "assessment. Changes known only because imported records name them are left out: "
        "their type is not known.",
        "100 x emergency changes / changes not known only by reference, by opened_at",
        Unit.PERCENT,
        LOWER,
        changes(
            Aggregate.SHARE,
            "opened_at",
            filters=(Filter("reference_only", Operator.IS_TRUE, False),),
            numerator=(Filter("change_type", Operator.EQ, "emergency"),),
        ),
        process="change",
        target=5,
        warning=10,
    ),
    measured(
        "change.lead_time_hours_median",
        "Median change lead time",
        "How long a change typically takes from being raised to the start of its implementation.",
        "median of lead_time_hours (actual_start - opened_at), by actual_start",
        Unit.HOURS,
        LOWER,
        changes(Aggregate.MEDIAN, "actual_start", column="lead_time_hours"),
        process="change",
        target=120,
        warning=240,
    ),
    measured(
        "change.unauthorised_count",
        "Unauthorised changes",
        "Changes whose implementation started before (or without) the authorisation they "
        "needed: flagged by the change lifecycle and by imports, never hidden.",
        "count of changes with unauthorised true, by actual_start",
        Unit.COUNT,
        LOWER,
        changes(
            Aggregate.COUNT,
            "actual_start",
            filters=(Filter("unauthorised", Operator.IS_TRUE, True),),
        ),
        process="change",
        target=0,
        warning=1,
    ),
    measured(
        "change.authorisation_hours_median",
        "Median CAB approval time",
        "How long a change waits for its approvers: from the request for authorisation to "
        "the authorisation.",
        "median of authorisation_hours (authorised_at - authorisation_requested_at), by "
        "authorised_at",
        Unit.HOURS,
        LOWER,
        changes(Aggregate.MEDIAN, "authorised_at", column="authorisation_hours"),
        process="change",
        target=48,
        warning=96,
    ),
    measured(
        "change.risk_brier_score",
        "Accuracy of the change risk estimate (Brier score)",
        "How well the risk evidence's failure probability, as recorded when each change was "
        "let through, foretold how it went: the mean squared difference between the estimate "
        "and the outcome (1 if the change failed, was backed out or was followed by an "
        "incident, else 0). 0 is perfect; always saying 50 % scores 0.25.",
        "mean of (estimated_failure_probability - went_wrong)^2 over closed changes with a "
        "recorded estimate, by closed_at",
        Unit.NUMBER,
        LOWER,
        changes(Aggregate.MEAN, "closed_at", column="risk_squared_error"),
        process="change",
        target=0.1,
        warning=0.2,
    ),
)


def requests(aggregate: Aggregate, placed_by: str, **fields: object) -> Measure:
    """A measure over request facts, each request placed in the period of `placed_by`."""
    return Measure(
        source=Source.REQUESTS,
        aggregate=aggregate,
        period_column=placed_by,
        **fields,  # type: ignore[arg-type]
    )


# The approval steps that approve nearly everything while adding delay are an analysis, not a
# KPI (kaizen/analytics/approval_review.py, `kaizen approval_review`): see docs/kpis.md.
REQUEST_KPIS = (
    measured(
        "request.fulfilled",
        "Requests fulfilled",
        "How many service requests were fulfilled (delivered), whether closed since or not.",
        "count of requests, by fulfilled_at",
        Unit.COUNT,
        HIGHER,
        requests(Aggregate.COUNT, "fulfilled_at"),
        process="request",
        required_fields=("fulfilled_at",),
    ),
    measured(
        "request.fulfilment_hours_median",
        "Median time to fulfil a request",
        "How long a requester typically waits for what they asked for, from submission to "
        "delivery, approval included, in wall-clock hours (nights and weekends count: the "
        "requester waits through them). The business hours are the fact column "
        "fulfilment_business_hours.",
        "median of fulfilment_hours (fulfilled_at - opened_at, wall clock), by fulfilled_at",
        Unit.HOURS,
        LOWER,
        requests(Aggregate.MEDIAN, "fulfilled_at", column="fulfilment_hours"),
        process="request",
        target=24,
        warning=48,
    ),
    measured(
        "request.sla_met_pct",
        "Requests fulfilled within SLA",
        "The share of fulfilled requests that met their delivery target, as the request's "
        "delivery (resolution) clock settled it on its business calendar; requests no "
        "definition applied to are left out.",
        "100 x fulfilled requests whose delivery clock was met / fulfilled requests with a "
        "delivery clock, by fulfilled_at",
        Unit.PERCENT,
        HIGHER,
        requests(
            Aggregate.SHARE,
            "fulfilled_at",
            filters=(SLA_MEASURED,),
            numerator=(Filter("sla_met", Operator.IS_TRUE, True),),
        ),
        process="request",
        target=95,
        warning=90,
    ),
    measured(
        "request.approval_hours_median",
        "Median approval lead time",
        "How long requests that need approval wait for it: from the request for approval to "
        "the last step's approval or the rejection, in wall-clock hours. Types without "
        "approval steps are left out.",
        "median of approval_hours (approval_decided_at - approval_requested_at, wall clock), "
        "by approval_decided_at",
        Unit.HOURS,
        LOWER,
        requests(Aggregate.MEDIAN, "approval_decided_at", column="approval_hours"),
        process="request",
        target=8,
        warning=24,
    ),
    measured(
        "request.task_ola_met_pct",
        "Fulfilment tasks within their OLA",
        "The share of finished fulfilment tasks that met their own target (the OLA between "
        "the service desk and the team doing the task), as the task's clock settled it; "
        "tasks no definition applied to are left out.",
        "100 x finished tasks whose clock was met / finished tasks with a clock, by finished_at",
        Unit.PERCENT,
        HIGHER,
        Measure(
            source=Source.REQUEST_TASKS,
            aggregate=Aggregate.SHARE,
            period_column="finished_at",
            filters=(Filter("ola_met", Operator.IS_NULL, False),),
            numerator=(Filter("ola_met", Operator.IS_TRUE, True),),
        ),
        process="request",
        target=90,
        warning=80,
    ),
)

# Survey invitations in the analytics store (kaizen/analytics/families/surveys.py). The
# satisfaction KPIs are plain figures over the answers on the 1-5 headline (NPS answers are
# another scale); the survey results page weights them by the inverse inclusion probability.
SURVEY_FACTS = "survey_facts"
RATING_ANSWER = (
    Filter("answered", Operator.IS_TRUE, True),
    Filter("scale", Operator.EQ, "rating"),
)
SATISFACTION_KPIS = (
    measured(
        "satisfaction.csat_mean",
        "Customer satisfaction score",
        "The average score users give in the survey after their incident or request is "
        "resolved (1 to 5).",
        "mean of survey score (1-5 headline), by answered_at",
        Unit.SCORE,
        HIGHER,
        Measure(
            source=SURVEY_FACTS,
            aggregate=Aggregate.MEAN,
            period_column="answered_at",
            column="score",
            filters=RATING_ANSWER,
        ),
        process="service_level",
        target=4.5,
        warning=4,
    ),
    measured(
        "satisfaction.survey_response_pct",
        "Survey response rate",
        "The share of surveys sent that were answered (AAPOR RR1): how representative the "
        "score is.",
        "100 x surveys answered / surveys sent, by sent_at",
        Unit.PERCENT,
        HIGHER,
        Measure(
            source=SURVEY_FACTS,
            aggregate=Aggregate.SHARE,
            period_column="sent_at",
            filters=(Filter("fielded", Operator.IS_TRUE, True),),
            numerator=(Filter("answered", Operator.IS_TRUE, True),),
        ),
        process="service_level",
        target=30,
        warning=15,
    ),
    measured(
        "satisfaction.dissatisfied_pct",
        "Dissatisfied users",
        "The share of survey answers scoring 1 or 2: the experiences to follow up.",
        "100 x answers with score <= 2 / answers, by answered_at",
        Unit.PERCENT,
        LOWER,
        Measure(
            source=SURVEY_FACTS,
            aggregate=Aggregate.SHARE,
            period_column="answered_at",
            filters=RATING_ANSWER,
            numerator=(Filter("dissatisfied", Operator.IS_TRUE, True),),
        ),
        process="service_level",
        target=5,
        warning=10,
    ),
)


# The shipped KPIs defined here; the apps above this one that measure KPIs of their own add
# them with `register_kpis()` (service reviews held on time, kaizen.servicelevels.review_kpi;
# the improvement register, kaizen.improvement.kpi_source; each from its AppConfig.ready()).
LIBRARY: list[KPIDefinition] = [
    *INCIDENT_KPIS,
    *SERVICE_LEVEL_KPIS,
    *AVAILABILITY_KPIS,
    *PROBLEM_KPIS,
    *CHANGE_KPIS,
    *REQUEST_KPIS,
    *SATISFACTION_KPIS,
]
_BY_KEY = {definition.key: definition for definition in LIBRARY}
if len(_BY_KEY) != len(LIBRARY):  # a duplicate would silently shadow a KPI
    raise RuntimeError("KPI library keys must be unique")


def register_kpis(definitions: Iterable[KPIDefinition]) -> None:
    """Add KPIs to the library, after those defined here, in the order given: an app that
    measures KPIs from its own rows (a database source, kaizen.kpis.sources) keeps their
    definitions beside the code that measures them and registers both when Django starts.
    A key already taken by another definition is refused: it would shadow a KPI."""
    for definition in definitions:
        known = _BY_KEY.get(definition.key)
        if known == definition:
            continue  # registered again (the app set up twice)
        if known is not None:
            raise ValueError(f"KPI library keys must be unique: {definition.key!r} is taken")
        LIBRARY.append(definition)
        _BY_KEY[definition.key] = definition


# The incident scorecard the benchmark (bench/kpi_scorecard.py) times: the eleven KPIs every
# incident manager reads first.
CORE_INCIDENT_KPIS = (
    "incident.opened",
    "incident.resolved",
    "incident.backlog",
    "incident.resolution_hours_mean",
    "incident.resolution_hours_median",
    "incident.resolution_hours_p90",
    "incident.first_response_hours_median",
    "incident.sla_met_pct",
    "incident.reopened_pct",
    "incident.reassignment_mean",
    "incident.first_contact_resolution_pct",
)


def library() -> tuple[KPIDefinition, ...]:
    """The shipped KPIs, by process (incident first, then those apps registered), measurable
    or not."""
    return tuple(LIBRARY)


def custom_kpis(*, include_inactive: bool = False) -> list[KPIDefinition]:
    """Custom KPIs defined in the UI, as definitions."""
    from kaizen.kpis.models import CustomKPI  # here: the library loads without the app registry

    kpis = CustomKPI.objects.all()
    if not include_inactive:
        kpis = kpis.filter(active=True)
    return [kpi.to_definition() for kpi in kpis]


def all_kpis() -> list[KPIDefinition]:
    """The library followed by the active custom KPIs; a library key always wins."""
    return [*LIBRARY, *(kpi for kpi in custom_kpis() if kpi.key not in _BY_KEY)]


def kpis_by_key(keys: Iterable[str]) -> dict[str, KPIDefinition]:
    """`get_kpi` for many keys at once (a page's KPIs): the library's from memory, the custom
    ones (inactive included) in one query, none when every key is the library's. Keys that
    name no KPI are left out."""
    wanted = set(keys)
    shipped = {definition.key: definition for definition in library()}
    found = {key: shipped[key] for key in wanted if key in shipped}
    missing = wanted - found.keys()
    if missing:
        from kaizen.kpis.models import CustomKPI  # here: the library loads without the app registry

        for custom in CustomKPI.objects.filter(key__in=missing):
            found[custom.key] = custom.to_definition()
    return found


def get_kpi(key: str) -> KPIDefinition:
    """A library KPI, else a custom one (inactive included: its history stays readable).
    Raises UnknownKPI."""
    if key in _BY_KEY:
        return _BY_KEY[key]
    from kaizen.kpis.models import CustomKPI  # here: the library loads without the app registry

    custom = CustomKPI.objects.filter(key=key).first()  # one row by its unique key
    if custom is None:
        raise UnknownKPI(key)
    return custom.to_definition()
