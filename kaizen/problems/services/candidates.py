"""The candidate scan and the decisions on its candidates, each journaled.

`do_scan_candidates` reads the incidents of the scanned period through the catalogue's ticket
sources (the incident process is not imported), leaves out those already linked to a problem
(they are explained), runs the tests of kaizen.problems.detection and records what it found:

- a new finding is a new open candidate (event "found");
- an open candidate found again is updated in place (kind + subject key are unique): its
  evidence, incidents and counts are the latest scan's;
- a dismissed one stays dismissed, unless the scan finds more incidents behind it than when it
  was dismissed: it then opens again with the new evidence (event "found", saying so);
- an accepted one stays as it was accepted.

A cluster of similar descriptions is named by its most telling words, which may shift from one
scan to the next: a cluster that shares at least half of its incidents with a recorded one is
that candidate again.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.catalog.ticket_sources import ticket_columns
from kaizen.core.errors import Conflict
from kaizen.core.times import dates_in_text
from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.models import User
from kaizen.problems import detection
from kaizen.problems.models import (
    Candidate,
    CandidateKind,
    CandidateStatus,
    LinkedIncident,
    Origin,
    Problem,
)
from kaizen.problems.services.base import moment
from kaizen.problems.services.links import MAX_LINKS_PER_CALL, do_link_incidents
from kaizen.problems.services.records import do_raise_problem

INCIDENT = "incident"
RATE_KINDS = {
    detection.SERVICE: CandidateKind.SERVICE_RATE,
    detection.CI: CandidateKind.CI_RATE,
    detection.CATEGORY: CandidateKind.CATEGORY_RATE,
}
# A found cluster is a recorded one again when it shares this share of the smaller's incidents.
SAME_CLUSTER_OVERLAP = 0.5


class CandidateDecided(ValidationError, Conflict):
    """The candidate was accepted or dismissed already (409 in the API; on the form's top)."""

    def __init__(self, candidate: Candidate) -> None:
        super().__init__(f"This candidate is {candidate.get_status_display().lower()} already.")

    def conflict_detail(self) -> dict[str, Any]:
        return {"detail": self.messages[0]}


@dataclass(frozen=True)
class ScanSettings:
    window_days: int
    history_days: int
    min_count: int
    false_discovery_rate: float
    cluster_days: int
    cluster_min_size: int
    similarity: float

    @classmethod
    def from_settings(cls) -> "ScanSettings":
        return cls(
            window_days=settings.KAIZEN_PROBLEM_SCAN_WINDOW_DAYS,
            history_days=settings.KAIZEN_PROBLEM_SCAN_HISTORY_DAYS,
            min_count=settings.KAIZEN_PROBLEM_SCAN_MIN_INCIDENTS,
            false_discovery_rate=settings.KAIZEN_PROBLEM_SCAN_FALSE_DISCOVERY_PCT / 100,
            cluster_days=settings.KAIZEN_PROBLEM_SCAN_CLUSTER_DAYS,
            cluster_min_size=settings.KAIZEN_PROBLEM_SCAN_CLUSTER_MIN_SIZE,
            similarity=settings.KAIZEN_PROBLEM_SCAN_SIMILARITY_PCT / 100,
        )


@dataclass
class ScanResult:
    incidents_read: int = 0
    incidents_explained: int = 0
    subjects_tested: int = 0
    found: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "incidents_read": self.incidents_read,
            "incidents_explained": self.incidents_explained,
            "subjects_tested": self.subjects_tested,
            "found": self.found,
            "updated": self.updated,
            "reopened": self.reopened,
            "kept_as_decided": self.kept,
        }


@dataclass
class Proposal:
    """A finding as the candidate row it becomes."""

    kind: str
    subject_key: str
    subject_label: str
    window_start: dt.datetime
    window_end: dt.datetime
    numbers: list[str]
    expected_count: float | None
    p_value: float | None
    evidence: dict[str, Any]


# -- reading --------------------------------------------------------------------------------


def unexplained_rows(start: dt.datetime, end: dt.datetime) -> tuple[list[detection.Row], int]:
    """The incidents opened in [start, end) that no problem explains, and how many were left
    out because one does."""
    linked = set(LinkedIncident.objects.values_list("incident_number", flat=True))
    rows, explained = [], 0
    for row in ticket_columns(INCIDENT, opened_from=start, opened_until=end):
        if row[0] in linked:
            explained += 1
        else:
            rows.append(row)
    return rows, explained


def _names(findings: list[detection.RateFinding]) -> dict[tuple[str, str], str]:
    wanted = {dimension: set() for dimension in (detection.SERVICE, detection.CI)}
    for finding in findings:
        if finding.dimension in wanted:
            wanted[finding.dimension].add(int(finding.subject))
    names = {
        (detection.SERVICE, str(pk)): f"service {name}"
        for pk, name in Service.objects.filter(pk__in=wanted[detection.SERVICE]).values_list(
            "pk", "name"
        )
    }
    names.update(
        {
            (detection.CI, str(pk)): f"configuration item {name}"
            for pk, name in ConfigurationItem.objects.filter(
                pk__in=wanted[detection.CI]
            ).values_list("pk", "name")
        }
    )
    return names


def _day(moment_: dt.datetime) -> str:
    return moment_.date().isoformat()


def rate_words(finding: detection.RateFinding, label: str, tested: int) -> str:
    """The test in words, with its figures (ISO dates: the pages show them with |dated)."""
    window_days = (finding.window_end - finding.window_start).days
    history_days = (finding.window_start - finding.history_start).days
    above = (
        f"above the c-chart's upper limit of {finding.control_limit:.1f}"
        if finding.observed > finding.control_limit
        else f"within the c-chart's upper limit of {finding.control_limit:.1f}"
    )
    return (
        f"{finding.observed} incidents were opened on {label} in the {window_days} days from "
        f"{_day(finding.window_start)} to {_day(finding.window_end)}, where its own history "
        f"({finding.history_count} incidents in the {history_days} days before) expects "
        f"{finding.expected:.1f}. If its rate had not changed, the chance of {finding.observed} "
        f"or more would be {detection.p_value_words(finding.p_value)} (exact test of two "
        f"Poisson rates); allowing for the {tested} services, configuration items and "
        f"categories tested, it is {detection.p_value_words(finding.adjusted_p_value)} "
        f"(Benjamini-Hochberg). The count is {above}. Incidents already linked to a problem "
        "are not counted."
    )


def rate_proposals(findings: list[detection.RateFinding], tested: int) -> list[Proposal]:
    names = _names(findings)
    proposals = []
    for finding in findings:
        key = (finding.dimension, finding.subject)
        label = names.get(key) or (
            f"category {finding.subject}"
            if finding.dimension == detection.CATEGORY
            else f"{finding.dimension} #{finding.subject} (deleted)"
        )
        words = rate_words(finding, label, tested)
        proposals.append(
            Proposal(
                kind=RATE_KINDS[finding.dimension],
                subject_key=finding.subject,
                subject_label=f"More incidents than usual on {label}"[:300],
                window_start=finding.window_start,
                window_end=finding.window_end,
                numbers=finding.numbers,
                expected_count=finding.expected,
                p_value=finding.p_value,
                evidence={
                    "test": "exact conditional test of two Poisson rates",
                    "words": words,
                    "dimension": finding.dimension,
                    "observed": finding.observed,
                    "expected": finding.expected,
                    "history_count": finding.history_count,
                    "history_start": finding.history_start.isoformat(),
                    "adjusted_p_value": finding.adjusted_p_value,
                    "control_limit": finding.control_limit,
                    "subjects_tested": tested,
                    "series": finding.series,
                },
            )
        )
    return proposals


def cluster_words(
    cluster: detection.ClusterFinding, days: int, similarity: float, window_days: int
) -> str:
    return (
        f"{len(cluster.numbers)} incidents opened in the last {days} days describe the same "
        f"thing: their words ({', '.join(cluster.terms)}) are at least {similarity:.0%} alike "
        "(cosine of TF-IDF vectors) to other incidents of the group, "
        f"{cluster.mean_similarity:.0%} alike to the group's centre on average. The first was "
        f"opened on {_day(cluster.first_opened_at)}, the last on {_day(cluster.last_opened_at)}; "
        f"{cluster.recent_count} in the last {window_days} days (if they were spread evenly, "
        f"the chance of that many would be {detection.p_value_words(cluster.recent_p_value)}). "
        "Incidents already linked to a problem are not counted."
    )


def cluster_proposals(
    clusters: list[detection.ClusterFinding],
    *,
    now: dt.datetime,
    days: int,
    similarity: float,
    window_days: int,
) -> list[Proposal]:
    return [
        Proposal(
            kind=CandidateKind.SIMILAR_TEXT,
            subject_key=f"text:{cluster.signature}"[:200],
            subject_label=f"“{cluster.representative}” ({', '.join(cluster.terms)})"[:300],
            window_start=now - dt.timedelta(days=days),
            window_end=now,
            numbers=cluster.numbers,
            expected_count=None,
            p_value=None,
            evidence={
                "test": "similar descriptions (TF-IDF, cosine, DBSCAN)",
                "words": cluster_words(cluster, days, similarity, window_days),
                "recent_count": cluster.recent_count,
                "recent_p_value": cluster.recent_p_value,
                "terms": cluster.terms,
                "representative": cluster.representative,
                "service_id": cluster.service_id,
                "category": cluster.category,
                "similarity": similarity,
                "mean_similarity": cluster.mean_similarity,
                "series": cluster.series,
            },
        )
        for cluster in clusters
    ]


# -- recording ------------------------------------------------------------------------------


def _same_cluster(
    proposal: Proposal, recorded: list[Candidate], taken: set[int]
) -> Candidate | None:
    """The recorded cluster sharing most of this one's incidents (at least half of the
    smaller of the two), if any."""
    numbers = set(proposal.numbers)
    best, best_shared = None, 0
    for candidate in recorded:
        if candidate.pk in taken:
            continue
        shared = len(numbers.intersection(candidate.incident_numbers))
        smaller = min(len(numbers), len(candidate.incident_numbers)) or 1
        if shared / smaller >= SAME_CLUSTER_OVERLAP and shared > best_shared:
            best, best_shared = candidate, shared
    return best


def _apply(candidate: Candidate, proposal: Proposal, at: dt.datetime) -> None:
    candidate.subject_label = proposal.subject_label
    candidate.window_start = proposal.window_start
    candidate.window_end = proposal.window_end
    candidate.incident_count = len(proposal.numbers)
    candidate.incident_numbers = proposal.numbers
    candidate.expected_count = proposal.expected_count
    candidate.p_value = proposal.p_value
    candidate.evidence = proposal.evidence
    candidate.refreshed_at = at


def _found_data(candidate: Candidate, **extra: Any) -> dict[str, Any]:
    data = {"incidents": candidate.incident_count, **extra}
    if candidate.expected_count is not None:
        data["expected"] = round(candidate.expected_count, 1)
    return data


@transaction.atomic
def record_proposals(proposals: list[Proposal], *, at: dt.datetime, result: ScanResult) -> None:
    """Create, update or re-open candidates for the proposals (module docstring)."""
    existing = {
        (candidate.kind, candidate.subject_key): candidate
        for candidate in Candidate.objects.select_for_update().filter(
            kind__in=[proposal.kind for proposal in proposals]
        )
    }
    clusters = [c for c in existing.values() if c.kind == CandidateKind.SIMILAR_TEXT]
    taken: set[int] = set()
    for proposal in proposals:
        candidate = existing.get((proposal.kind, proposal.subject_key))
        if candidate is None and proposal.kind == CandidateKind.SIMILAR_TEXT:
            candidate = _same_cluster(proposal, clusters, taken)
        if candidate is not None and candidate.pk in taken:
            continue  # two clusters of this scan matched one candidate: the larger keeps it
        if candidate is None:
            candidate = Candidate(
                kind=proposal.kind,
                subject_key=proposal.subject_key,
                status=CandidateStatus.OPEN,
                found_at=at,
            )
            _apply(candidate, proposal, at)
            candidate.save()
            existing[(candidate.kind, candidate.subject_key)] = candidate
            record_event(
                EventType.PROBLEM_CANDIDATE_FOUND,
                candidate,
                actor=None,
                data=_found_data(candidate),
                occurred_at=at,
            )
            result.found.append(str(candidate))
        elif candidate.status == CandidateStatus.OPEN:
            _apply(candidate, proposal, at)
            candidate.save()
            result.updated.append(str(candidate))
        elif candidate.status == CandidateStatus.DISMISSED and len(proposal.numbers) > (
            candidate.dismissed_incident_count or 0
        ):
            dismissed_with = candidate.dismissed_incident_count
            _apply(candidate, proposal, at)
            candidate.status = CandidateStatus.OPEN
            candidate.save()
            record_event(
                EventType.PROBLEM_CANDIDATE_FOUND,
                candidate,
                actor=None,
                data=_found_data(candidate, reopened=True, dismissed_with=dismissed_with),
                occurred_at=at,
            )
            result.reopened.append(str(candidate))
        else:
            result.kept.append(str(candidate))
        taken.add(candidate.pk)


def do_scan_candidates(
    *, now: dt.datetime | None = None, options: ScanSettings | None = None
) -> ScanResult:
    """Scan the incidents for problem candidates as of `now` and record them (the module's
    docstring says how)."""
    now = moment(now)
    options = options or ScanSettings.from_settings()
    window_start = now - dt.timedelta(days=options.window_days)
    history_start = window_start - dt.timedelta(days=options.history_days)
    cluster_start = now - dt.timedelta(days=options.cluster_days)
    rows, explained = unexplained_rows(min(history_start, cluster_start), now)
    result = ScanResult(incidents_read=len(rows) + explained, incidents_explained=explained)
    rate_rows = [row for row in rows if row[1] >= history_start]
    result.subjects_tested = detection.tested_subjects(rate_rows)
    findings = detection.rate_findings(
        rate_rows,
        now=now,
        window_days=options.window_days,
        history_days=options.history_days,
        min_count=options.min_count,
        false_discovery_rate=options.false_discovery_rate,
    )
    clusters = detection.text_clusters(
        (row for row in rows if row[1] >= cluster_start),
        min_size=options.cluster_min_size,
        similarity=options.similarity,
        now=now,
        window_days=options.window_days,
        cluster_days=options.cluster_days,
    )
    proposals = rate_proposals(findings, result.subjects_tested) + cluster_proposals(
        clusters,
        now=now,
        days=options.cluster_days,
        similarity=options.similarity,
        window_days=options.window_days,
    )
    record_proposals(proposals, at=now, result=result)
    return result


# -- decisions ------------------------------------------------------------------------------


def _lock_open(candidate: Candidate) -> Candidate:
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != CandidateStatus.OPEN:
        raise CandidateDecided(locked)
    return locked


def scope_of(candidate: Candidate) -> dict[str, Any]:
    """What the problem raised from the candidate is about: its service, CI or category."""
    scope: dict[str, Any] = {"services": [], "configuration_items": [], "category": ""}
    if candidate.kind == CandidateKind.SERVICE_RATE:
        scope["services"] = list(Service.objects.filter(pk=candidate.subject_key))
    elif candidate.kind == CandidateKind.CI_RATE:
        scope["configuration_items"] = list(
            ConfigurationItem.objects.filter(pk=candidate.subject_key)
        )
    elif candidate.kind == CandidateKind.CATEGORY_RATE:
        scope["category"] = candidate.subject_key
    else:
        service_id = candidate.evidence.get("service_id")
        if service_id:
            scope["services"] = list(Service.objects.filter(pk=service_id))
        scope["category"] = candidate.evidence.get("category") or ""
    return scope


def default_statement(candidate: Candidate) -> str:
    if candidate.kind == CandidateKind.SIMILAR_TEXT:
        text = candidate.evidence.get("representative") or candidate.subject_label
        return f"Recurring: {text}"[:200]
    return candidate.subject_label[:200]


@transaction.atomic
def do_accept_candidate(
    candidate: Candidate,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    statement: str = "",
    **fields: Any,
) -> Problem:
    """Raise a problem from the candidate (origin: candidate; its scope from the candidate's
    subject; the statement given or the candidate's label), link the candidate's incidents to
    it and mark the candidate accepted. `fields` are do_raise_problem's (owner, impact...); the
    problem manager who accepts it owns it unless another owner is given."""
    at = moment(at)
    fields.setdefault("owner", actor)
    locked = _lock_open(candidate)
    evidence = locked.evidence.get("words", "")
    problem = do_raise_problem(
        actor=actor,
        at=at,
        origin=Origin.CANDIDATE,
        statement=(statement or "").strip() or default_statement(locked),
        # The evidence's ISO dates written as people read them (the description is edited).
        description=fields.pop("description", "")
        or f"Found from the data: {dates_in_text(evidence)}",
        **scope_of(locked),
        **fields,
    )
    numbers = list(locked.incident_numbers)
    for start in range(0, len(numbers), MAX_LINKS_PER_CALL):
        do_link_incidents(problem, numbers[start : start + MAX_LINKS_PER_CALL], actor=actor, at=at)
    locked.status = CandidateStatus.ACCEPTED
    locked.problem = problem
    locked.decided_by = actor
    locked.decided_at = at
    locked.save(update_fields=["status", "problem", "decided_by", "decided_at"])
    record_event(
        EventType.PROBLEM_CANDIDATE_ACCEPTED,
        locked,
        actor=actor,
        data={"problem": problem.number, "incidents": len(numbers)},
        occurred_at=at,
    )
    candidate.refresh_from_db()
    return problem


@transaction.atomic
def do_dismiss_candidate(
    candidate: Candidate, *, reason: str, actor: User | None, at: dt.datetime | None = None
) -> Candidate:
    """Dismiss the candidate with a reason: it stays dismissed until a scan finds more
    incidents behind it than it has now."""
    at = moment(at)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "say why this is not a problem worth investigating"})
    locked = _lock_open(candidate)
    locked.status = CandidateStatus.DISMISSED
    locked.dismissal_reason = reason
    locked.dismissed_incident_count = locked.incident_count
    locked.decided_by = actor
    locked.decided_at = at
    locked.save(
        update_fields=[
            "status",
            "dismissal_reason",
            "dismissed_incident_count",
            "decided_by",
            "decided_at",
        ]
    )
    record_event(
        EventType.PROBLEM_CANDIDATE_DISMISSED,
        locked,
        actor=actor,
        data={"reason": reason, "incidents": locked.incident_count},
        occurred_at=at,
    )
    return locked
