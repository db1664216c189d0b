"""A survey version's results for the results page and the API: the figures of
kaizen/surveys/measure.py over its invitations (one version at a time: two scales never pool),
narrowed to what the reader may see."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from kaizen.catalog.ticket_sources import ticket_source
from kaizen.surveys import measure
from kaizen.surveys.models import Invitation, InvitationState, QuestionKind, SurveyVersion
from kaizen.surveys.triggers import trigger_kind


def reopened_tickets(source_key: str, ticket_ids: set[int]) -> set[int]:
    """Of these tickets, those reopened at least once, read through the ticket source."""
    kind = trigger_kind(source_key)
    source = ticket_source(source_key)
    if kind is None or source is None or not kind.fields.reopen_count or not ticket_ids:
        return set()
    field = kind.fields.reopen_count
    return set(
        source.model.objects.filter(pk__in=ticket_ids, **{f"{field}__gt": 0}).values_list(
            "pk", flat=True
        )
    )


def rows_of(invitations: QuerySet[Invitation]) -> list[measure.Row]:
    values = list(
        invitations.values_list(
            "inclusion_probability",
            "state",
            "score",
            "sla_breached",
            "resolution_minutes",
            "priority",
            "service__name",
            "reassignment_count",
            "source_key",
            "ticket_id",
        )
    )
    reopened: set[tuple[str, int]] = set()
    for key in {row[8] for row in values}:
        ids = {row[9] for row in values if row[8] == key}
        reopened |= {(key, pk) for pk in reopened_tickets(key, ids)}
    return [
        measure.Row(
            probability=p,
            fielded=state != InvitationState.SCHEDULED,
            answered=state == InvitationState.ANSWERED,
            score=score,
            sla_breached=breached,
            reopened=(key, ticket) in reopened,
            resolution_minutes=minutes,
            priority=priority,
            service=service or "",
            reassignment_count=reassignments,
        )
        for (
            p,
            state,
            score,
            breached,
            minutes,
            priority,
            service,
            reassignments,
            key,
            ticket,
        ) in values
    ]


@dataclass(frozen=True)
class Results:
    version: SurveyVersion
    scale: str
    invitations: int
    fielded: int
    answered: int
    response_rate: measure.Share
    csat: measure.Share
    dissatisfied: measure.Share
    mean: measure.Mean
    nps: float | None
    weighted: bool
    comparisons: list[measure.Comparison]
    bias: str
    by_sla: list[tuple[str, measure.Share]]
    by_reassignment: list[tuple[str, measure.Share]]
    by_resolution: list[tuple[str, measure.Share]]
    by_service: list[tuple[str, measure.Share]]

    def as_json(self) -> dict[str, Any]:
        def share(value: measure.Share) -> dict[str, Any]:
            return {
                "value_pct": value.percent,
                "low_pct": None if value.low is None else 100 * value.low,
                "high_pct": None if value.high is None else 100 * value.high,
                "n": value.n,
                "n_effective": round(value.n_eff, 2),
            }

        return {
            "version": self.version.number,
            "scale": self.scale,
            "invitations": self.invitations,
            "fielded": self.fielded,
            "answered": self.answered,
            "weighted": self.weighted,
            "response_rate_rr1": share(self.response_rate),
            "csat": share(self.csat),
            "dissatisfied": share(self.dissatisfied),
            "mean": {
                "value": self.mean.value,
                "low": self.mean.low,
                "high": self.mean.high,
                "n": self.mean.n,
            },
            "nps": self.nps,
            "non_response": [c.__dict__ for c in self.comparisons],
            "bias": self.bias,
            "by_sla": {name: share(value) for name, value in self.by_sla},
            "by_reassignment": {name: share(value) for name, value in self.by_reassignment},
            "by_resolution_time": {name: share(value) for name, value in self.by_resolution},
            "by_service": {name: share(value) for name, value in self.by_service},
        }


def results_of(version: SurveyVersion, invitations: QuerySet[Invitation]) -> Results:
    headline = version.headline
    scale = headline.kind if headline else QuestionKind.RATING
    rows = rows_of(invitations.filter(survey_version=version))
    answered = [r for r in rows if r.answered]
    nps_value, _ = measure.nps(rows) if scale == QuestionKind.NPS else (None, 0)
    comparisons = measure.compare(rows)
    sla = measure.by_group(answered, lambda r: "SLA breached" if r.sla_breached else "SLA met")
    reassign = measure.by_group(answered, measure.reassignment_band)
    resolution = measure.by_group(answered, measure.resolution_band)
    services = measure.by_group(answered, lambda r: r.service or "No service")
    return Results(
        version=version,
        scale=scale,
        invitations=len(rows),
        fielded=sum(1 for r in rows if r.fielded),
        answered=len(answered),
        response_rate=measure.response_rate(rows),
        csat=measure.csat(rows)
        if scale == QuestionKind.RATING
        else measure.Share(None, None, None, 0, 0),
        dissatisfied=measure.dissatisfied(rows)
        if scale == QuestionKind.RATING
        else measure.Share(None, None, None, 0, 0),
        mean=measure.mean_score(rows),
        nps=nps_value,
        weighted=len({r.probability for r in rows}) > 1,
        comparisons=comparisons,
        bias=measure.bias_sentence(comparisons),
        by_sla=[(name, sla[name]) for name in ("SLA met", "SLA breached") if name in sla],
        by_reassignment=[
            (name, reassign[name]) for name in ("0", "1", "2", "3 or more") if name in reassign
        ],
        by_resolution=[
            (name, resolution[name]) for name in measure.RESOLUTION_BANDS if name in resolution
        ],
        by_service=sorted(services.items()),
    )
