"""The demo organisation's problems: one in every state, each explaining the demo incidents of
its kind, with workarounds, root causes (five whys, the four Ps), fixes and closures, replayed
through the problem services with `at=` times.

One problem's fix measurably worked: the expense app's submit timeouts came several times a
week until the fix 40 days ago and twice since (those incidents are opened here, through the
incident services). The known errors of the analysed problems are published (the mail bounces
to the portal too) and agents applied them to the incidents of their kind that came after;
the candidate scan then proposes the recurring incidents no problem explains yet. Idempotent
(skipped when the demo's own problems exist).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from kaizen.catalog.models import Service
from kaizen.incidents import services as incident_services
from kaizen.incidents.models import Category, Incident
from kaizen.people.models import Team, User, UserKind
from kaizen.problems.models import ClosureCode, Problem, State
from kaizen.problems.services.candidates import do_scan_candidates
from kaizen.problems.services.known_errors import (
    do_apply_known_error,
    do_publish_known_error,
    do_record_known_error,
)
from kaizen.problems.services.lifecycle import LinkedIncidents, do_move_problem
from kaizen.problems.services.links import do_link_incidents
from kaizen.problems.services.records import do_raise_problem, do_update_problem

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
# The problem whose fix worked: its incidents before and after.
FIXED_AGO = 40
EXPENSE_BEFORE = 18  # over the 40 days before the fix
EXPENSE_AFTER = 2  # over the 40 days since


@dataclass(frozen=True)
class Story:
    """A demo problem: what it explains (the incidents with this short description), where it
    stops, and what its people recorded on the way."""

    statement: str
    incidents: str  # the short description of the demo incidents it explains
    service: str
    category: str
    team: str
    state: str
    raised_days_ago: int
    impact: int = 2
    urgency: int = 2
    description: str = ""
    workaround: str = ""
    root_cause: str = ""
    cause_category: str = ""
    analysis_method: str = ""
    analysis: dict[str, Any] = field(default_factory=dict)
    fix: str = ""
    closure: dict[str, Any] = field(default_factory=dict)
    linked_incidents: str = LinkedIncidents.LEAVE


STORIES = [
    Story(
        "Mail to northwind.example bounces with 550 5.7.1",
        "Emails to a customer bounce",
        "email",
        "Email and collaboration",
        "service-desk",
        State.KNOWN_ERROR,
        60,
        impact=2,
        urgency=1,
        description="Every few days mail to one customer's domain bounces for hours.",
        workaround="Send from the shared mailbox (it relays through the backup gateway) and "
        "tell the caller the delay is on the customer's side.",
        root_cause="The customer's mail servers reject our gateway when its reverse DNS "
        "record expires; our DNS provider drops the PTR record on every certificate renewal.",
        cause_category="supplier",
        analysis_method="five_whys",
        analysis={
            "steps": [
                {"why": "Why do mails bounce?", "because": "Northwind rejects our gateway"},
                {"why": "Why is it rejected?", "because": "Its reverse DNS does not resolve"},
                {"why": "Why does it not resolve?", "because": "The PTR record is missing"},
                {
                    "why": "Why is the record missing?",
                    "because": "The DNS provider recreates the zone on certificate renewal",
                },
            ]
        },
    ),
    Story(
        "Laptops take ten minutes to start after the monthly update",
        "Laptop very slow after update",
        "workplace-devices",
        "Hardware",
        "service-desk",
        State.ROOT_CAUSE_ANALYSIS,
        30,
        description="After each monthly update, older laptops start very slowly for a week.",
        workaround="Run the disk clean-up task from the software centre, then restart twice.",
        analysis_method="four_ps",
        analysis={
            "people": ["Users postpone the restart for days"],
            "process": ["Updates go to every model at once, no pilot group"],
            "products": ["Older SSDs throttle when the update cache fills"],
        },
    ),
    Story(
        "Echo in calls from the Lisbon office",
        "Echo in every call",
        "video-conferencing",
        "Email and collaboration",
        "service-desk",
        State.FIX_IN_PROGRESS,
        50,
        description="Participants hear themselves twice when anyone joins from Lisbon.",
        workaround="Join calls from the room's laptop, not the ceiling microphones.",
        root_cause="The Lisbon meeting rooms' echo cancellation is switched off in the "
        "room system's firmware after the last upgrade.",
        cause_category="configuration",
        fix="Re-enable echo cancellation in the firmware profile and push it to the rooms.",
    ),
    Story(
        "Expense app times out when submitting a claim",
        "Expense claim submission times out",
        "erp-finance",
        "Software",
        "service-desk",
        State.CLOSED,
        FIXED_AGO + 20,
        description="Submitting an expense claim with receipts hangs for a minute, then fails.",
        workaround="Submit the claim without receipts, then attach them one by one.",
        root_cause="The receipt upload runs in the request and the proxy cuts it off after "
        "60 seconds; large scans take longer.",
        cause_category="software_defect",
        analysis_method="five_whys",
        analysis={
            "steps": [
                {"why": "Why does submitting fail?", "because": "The proxy answers 504"},
                {"why": "Why 504?", "because": "The request takes over 60 seconds"},
                {"why": "Why so long?", "because": "Receipts are converted during the request"},
            ]
        },
        fix="Receipts are converted in the background after the claim is saved.",
        closure={"closure_code": ClosureCode.FIXED},
        linked_incidents=LinkedIncidents.RESOLVE,
    ),
    Story(
        "Shared calendars stop updating",
        "Shared calendar not updating",
        "email",
        "Email and collaboration",
        "service-desk",
        State.NEW,
        3,
        description="Team calendars show last week's bookings only.",
    ),
    Story(
        "Docking stations do not wake external screens",
        "Docking station: no external screens",
        "workplace-devices",
        "Hardware",
        "service-desk",
        State.ASSESSED,
        12,
        impact=3,
        description="Several models of docking station leave both monitors black.",
    ),
    Story(
        "Mailboxes fill up and block sending",
        "Mailbox full, cannot send",
        "email",
        "Email and collaboration",
        "service-desk",
        State.CLOSED,
        25,
        impact=3,
        urgency=3,
        workaround="Archive mail older than a year with the archive button.",
        root_cause="Mailbox quotas are 2 GB; the licence for larger mailboxes costs more than "
        "the few incidents a month.",
        cause_category="capacity",
        closure={
            "closure_code": ClosureCode.RISK_ACCEPTED,
            "risk_review_days": 30,
            "reason": "Two or three incidents a month, each solved in minutes by archiving.",
        },
    ),
    Story(
        "Wi-Fi drops on the third floor",
        "Wi-Fi drops every few minutes",
        "wifi",
        "Network",
        "service-desk",
        State.RESOLVED,
        35,
        workaround="Use the wired port at the desk or the fourth floor's meeting rooms.",
        root_cause="Two access points on the third floor share a channel with the new "
        "neighbour's network.",
        cause_category="network",
        fix="Moved both access points to free channels and enabled automatic channel planning.",
        linked_incidents=LinkedIncidents.NOTIFY,
    ),
]
DUPLICATE = Story(
    "Customer domain rejects our mail",
    "",
    "email",
    "Email and collaboration",
    "service-desk",
    State.CLOSED,
    20,
    closure={"closure_code": ClosureCode.DUPLICATE},
)
CANCELLED = Story(
    "Printers jam on floor 3",
    "",
    "printing",
    "Hardware",
    "service-desk",
    State.CLOSED,
    25,
    closure={
        "closure_code": ClosureCode.CANCELLED,
        "reason": "The printer was replaced; one jam since is normal wear.",
    },
)
PATH = [
    State.ASSESSED,
    State.ROOT_CAUSE_ANALYSIS,
    State.KNOWN_ERROR,
    State.FIX_IN_PROGRESS,
    State.RESOLVED,
]


def _expense_incidents(now: dt.datetime, callers: list[User], desk: User) -> None:
    """The expense app's timeouts: frequent before the fix, rare after."""
    service = Service.objects.filter(slug="erp-finance").first()
    category = Category.objects.filter(name="Software", parent=None).first()
    if service is None:
        return
    fixed = now - FIXED_AGO * DAY
    moments = [
        fixed - FIXED_AGO * DAY + (index * FIXED_AGO * DAY) / EXPENSE_BEFORE
        for index in range(EXPENSE_BEFORE)
    ] + [fixed + (index + 1) * FIXED_AGO * DAY / (EXPENSE_AFTER + 1) for index in range(2)]
    for index, at in enumerate(moments):
        at = at.replace(hour=9 + index % 8, minute=(index * 7) % 60)
        incident_services.do_open_incident(
            actor=desk,
            at=at,
            notify=False,
            caller=callers[index % len(callers)],
            channel="phone",
            service=service,
            category=category,
            impact=3,
            urgency=2,
            short_description="Expense claim submission times out",
            description="The claim form spins for a minute, then says the gateway timed out.",
        )


def _problem(story: Story, now: dt.datetime, owner: User, team: Team | None) -> Problem:
    at = now - story.raised_days_ago * DAY
    service = Service.objects.filter(slug=story.service).first()
    problem = do_raise_problem(
        actor=owner,
        at=at,
        services=[service] if service else [],
        statement=story.statement,
        description=story.description,
        category=story.category,
        impact=story.impact,
        urgency=story.urgency,
        owner=owner if story.state != State.NEW else None,
        assignment_group=team,
    )
    if story.incidents:
        # The incidents of its kind so far.
        numbers = list(
            Incident.objects.filter(
                short_description=story.incidents, opened_at__lte=at
            ).values_list("number", flat=True)
        )
        if numbers:
            do_link_incidents(problem, numbers, actor=owner, at=at + HOUR)
    return problem


def _link_later(problem: Problem, story: Story, until: dt.datetime, agents: list[User]) -> None:
    """The agents link each later incident of its kind to the problem an hour after it was
    opened, until the problem is resolved."""
    later = Incident.objects.filter(
        short_description=story.incidents, opened_at__gt=problem.opened_at, opened_at__lt=until
    ).order_by("opened_at")
    for index, (number, opened_at) in enumerate(later.values_list("number", "opened_at")):
        do_link_incidents(problem, [number], actor=agents[index % len(agents)], at=opened_at + HOUR)


def _walk(problem: Problem, story: Story, target: str, now: dt.datetime, owner: User) -> Problem:
    """Record the story's analysis and move the problem to `target`, a couple of days a step
    (the fixed problem is resolved FIXED_AGO days ago)."""
    analysed = {
        name: value
        for name, value in {
            "workaround": story.workaround,
            "root_cause": story.root_cause,
            "cause_category": story.cause_category,
            "analysis_method": story.analysis_method,
            "analysis": story.analysis,
            "fix": story.fix,
        }.items()
        if value
    }
    at = problem.opened_at
    for state in PATH[: PATH.index(target) + 1]:
        at = at + 2 * DAY
        if state == State.RESOLVED and story.closure.get("closure_code") == ClosureCode.FIXED:
            at = now - FIXED_AGO * DAY
        if state != State.ASSESSED and analysed:
            problem = do_update_problem(
                problem, actor=owner, expected_version=None, at=at, **analysed
            )
            analysed = {}
            at = at + HOUR
        problem = do_move_problem(
            problem,
            state,
            actor=owner,
            expected_version=None,
            at=at,
            linked_incidents=story.linked_incidents if state == State.RESOLVED else "leave",
        )
    if analysed:
        problem = do_update_problem(
            problem, actor=owner, expected_version=None, at=at + HOUR, **analysed
        )
    return problem


def _close(problem: Problem, story: Story, now: dt.datetime, owner: User, master: Problem) -> None:
    code = story.closure["closure_code"]
    at = problem.updated_at + 3 * DAY
    if code == ClosureCode.FIXED:
        at = now - (FIXED_AGO - 14) * DAY
    review_days = story.closure.get("risk_review_days")
    do_move_problem(
        problem,
        State.CLOSED,
        actor=owner,
        expected_version=None,
        at=at,
        closure_code=code,
        duplicate_of=master if code == ClosureCode.DUPLICATE else None,
        risk_review_on=(now + review_days * DAY).date() if review_days else None,
        reason=story.closure.get("reason", ""),
    )


# The known errors published from the analysed problems: (statement, title, symptom for the
# agents, self-help article for requesters or None).
KNOWN_ERRORS = [
    (
        STORIES[0].statement,
        "Mail to one customer's domain bounces (550 5.7.1)",
        "Mail to @northwind.example bounces with 550 5.7.1 for a few hours, every few days.",
        (
            "Your mail to Northwind bounces",
            'If mail to an @northwind.example address comes back with "550 5.7.1", send it '
            "again from the shared mailbox; it goes out through another route. We are fixing "
            "the cause with our DNS provider.",
        ),
    ),
    (
        STORIES[2].statement,
        "Echo in calls joined from the Lisbon rooms",
        "Everyone hears themselves twice when a Lisbon meeting room joins the call.",
        None,
    ),
]


def _recent_incidents(story: Story, now: dt.datetime, agents: list[User]) -> None:
    """Three incidents of the story in the last days, still open: the ones an agent works with
    the known error's workaround."""
    template = Incident.objects.filter(short_description=story.incidents).first()
    if template is None:
        return
    callers = list(User.objects.filter(kind=UserKind.REQUESTER, is_active=True)[:3])
    for days, caller in zip((5, 3, 1), callers, strict=False):
        incident_services.do_open_incident(
            actor=agents[days % len(agents)],
            at=(now - days * DAY).replace(hour=10, minute=5 * days),
            notify=False,
            caller=caller,
            channel="phone",
            service=template.service,
            category=template.category,
            subcategory=template.subcategory,
            impact=template.impact,
            urgency=template.urgency,
            short_description=template.short_description,
            description=template.description,
        )


def _known_errors(now: dt.datetime, owner: User, agents: list[User]) -> int:
    """Publish the known errors and apply each to the later incidents of its kind that no
    problem explains yet (an agent a few minutes after the incident was opened)."""
    applied = 0
    for statement, title, symptom, article in KNOWN_ERRORS:
        problem = Problem.objects.get(statement=statement, imported_from="")
        at = (problem.known_error_at or problem.updated_at) + HOUR
        known_error = do_record_known_error(
            problem, actor=owner, at=at, title=title, symptom=symptom
        )
        known_error = do_publish_known_error(
            known_error,
            actor=owner,
            at=at + HOUR,
            to_portal=article is not None,
            portal_title=article[0] if article else "",
            portal_body=article[1] if article else "",
        )
        story = next(story for story in STORIES if story.statement == statement)
        _recent_incidents(story, now, agents)
        linked = set(problem.incident_links.values_list("incident_number", flat=True))
        later = Incident.objects.filter(
            short_description=story.incidents, opened_at__gt=at + HOUR, opened_at__lt=now
        ).exclude(number__in=linked)
        rows = later.order_by("opened_at").values_list("number", "opened_at", "state")
        for index, (number, opened_at, state) in enumerate(rows):
            # Most agents used the workaround; some linked the incident but solved it another
            # way (and a closed incident takes no more notes): the "without" of the figures.
            use = index % 3 != 2 and state not in ("closed", "cancelled")
            do_apply_known_error(
                known_error,
                number,
                actor=agents[index % len(agents)],
                at=opened_at + dt.timedelta(minutes=12),
                copy_workaround=use,
            )
            applied += 1
    return applied


def load_problems() -> dict[str, int]:
    if Problem.objects.filter(imported_from="").exists():
        return {"problems": 0}
    now = timezone.now()
    owner = User.objects.filter(username="priya.nair").first()
    if owner is None:
        return {"problems": 0}
    desk = User.objects.filter(kind=UserKind.AGENT, is_active=True).order_by("pk").first() or owner
    callers = list(User.objects.filter(kind=UserKind.REQUESTER, is_active=True)[:20]) or [desk]
    _expense_incidents(now, callers, desk)
    team = Team.objects.filter(slug="service-desk").first()
    agents = list(team.members.filter(kind=UserKind.AGENT, is_active=True)) if team else []
    agents = agents or [desk]
    with_known_error = {statement for statement, *_ in KNOWN_ERRORS}
    master = None
    for story in [*STORIES, DUPLICATE, CANCELLED]:
        problem = _problem(story, now, owner, team)
        code = story.closure.get("closure_code")
        if code == ClosureCode.FIXED:
            problem = _walk(problem, story, State.RESOLVED, now, owner)
        elif code == ClosureCode.RISK_ACCEPTED:
            problem = _walk(problem, story, State.ASSESSED, now, owner)
        elif code is None and story.state != State.NEW:
            problem = _walk(problem, story, story.state, now, owner)
        # Agents linked the later incidents of its kind as they came, until it was resolved
        # (those of a published known error get it applied instead, below).
        if (
            story.incidents
            and code in (None, ClosureCode.FIXED)
            and story.statement not in (with_known_error)
        ):
            _link_later(problem, story, problem.resolved_at or now, agents)
        if code is not None:
            _close(problem, story, now, owner, master or problem)
        master = master or problem
    applied = _known_errors(now, owner, agents)
    found = do_scan_candidates(now=now)
    return {
        "problems": Problem.objects.filter(imported_from="").count(),
        "known errors applied to incidents": applied,
        "problem candidates": len(found.found),
    }
