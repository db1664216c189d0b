"""The demo's service requests: requestable offerings with their forms (a new laptop with a
model choice, access to a shared drive, a software installation, a new starter with several
tasks), managers for the demo people, delivery targets and task OLAs, and a year of requests
with their approvals (in every state) and fulfilment tasks.

The request types, managers and SLA definitions go through the services. The ~3,000 requests
do not: run through the services one by one they would add minutes to `kaizen load_demo`, so
each request's life is simulated here, in memory, and written in bulk with the journal events
the services would have written (the submitted event with every tracked field, then a state
change event per move with each field it changed; the tasks the same), through the journal's
bulk writer (`record_events`, one hash chain). `kaizen journal verify` folds those events back
into the stored rows, so the journal still matches the data. The SLA clocks are then measured
from that journal by the SLA app's own recompute (`recompute_batch`), as after an import.

Idempotent: types, managers and definitions by name; the requests only when there are none.
"""

import datetime as dt
import random
from collections.abc import Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from kaizen.catalog import services as catalog_services
from kaizen.catalog.models import Service, ServiceOffering
from kaizen.core.bulk import insert_rows
from kaizen.core.numbering import advance_past
from kaizen.journal.events import EventType
from kaizen.journal.services import PendingEvent, record_events, to_journal_value
from kaizen.people import services as people_services
from kaizen.people.models import Team, User, UserKind
from kaizen.requests.models import (
    ApprovalVote,
    Decision,
    FulfilmentTask,
    RequestApproval,
    RequestType,
    ServiceRequest,
    State,
    StepState,
    TaskState,
)
from kaizen.requests.services.base import (
    REQUEST_FIELDS,
    REQUEST_NUMBERS,
    REQUEST_RELATED,
    TASK_FIELDS,
    TASK_NUMBERS,
    derive_clock_fields,
)
from kaizen.requests.services.types import (
    do_create_request_type,
    do_set_approval_steps,
    do_set_task_templates,
    do_update_request_type,
)
from kaizen.sla.engine import TargetSet
from kaizen.sla.kinds import get_kind
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.sla.recompute import recompute_batch
from kaizen.sla.services import do_create_sla_definition
from kaizen.sla.targets import active_targets

REQUESTS_PER_YEAR = 3000
DAYS = 365
SEED = 14

# Who approves for whom ("the requester's manager").
MANAGERS = {
    "emma.jones": "peter.novak",
    "jack.taylor": "peter.novak",
    "lucas.martin": "chloe.dubois",
    "amara.obi": "chloe.dubois",
    "yuki.tanaka": "kenji.sato",
    "isabel.garcia": "kenji.sato",
    "omar.haddad": "kenji.sato",
    "mei.chen": "kenji.sato",
    "peter.novak": "grace.hopper",
    "chloe.dubois": "grace.hopper",
    "tom.baker": "maria.lopez",
    "aisha.khan": "maria.lopez",
    "lars.nilsson": "maria.lopez",
    "maria.lopez": "grace.hopper",
}

LAPTOP_FORM = [
    {
        "key": "model",
        "label": "Model",
        "type": "choice",
        "required": True,
        "choices": ["Standard 14-inch", "Developer 16-inch", "Ultralight 13-inch"],
    },
    {
        "key": "reason",
        "label": "Why do you need the developer model?",
        "type": "long_text",
        "required": True,
        "show_if": {"field": "model", "equals": "Developer 16-inch"},
    },
    {"key": "needed_by", "label": "Needed by", "type": "date"},
]
DRIVE_FORM = [
    {"key": "path", "label": "Shared drive or folder", "type": "text", "required": True},
    {
        "key": "access",
        "label": "Access",
        "type": "choice",
        "required": True,
        "choices": ["Read", "Read and write"],
    },
    {"key": "reason", "label": "What you need it for", "type": "long_text"},
]
SOFTWARE_FORM = [
    {
        "key": "software",
        "label": "Software",
        "type": "choice",
        "required": True,
        "choices": ["Visio", "Project", "Adobe Acrobat Pro", "Tableau", "Python"],
    },
    {"key": "licence_paid", "label": "Does your cost centre pay the licence?", "type": "yes_no"},
]
STARTER_FORM = [
    {"key": "name", "label": "The new starter's name", "type": "text", "required": True},
    {"key": "start_date", "label": "First day", "type": "date", "required": True},
    {"key": "job_title", "label": "Job title", "type": "text", "required": True},
    {"key": "needs_laptop", "label": "Needs a laptop", "type": "yes_no"},
]

MANAGER_STEP = {
    "name": "Line manager",
    "approver_source": "requester_manager",
    "due_hours": 72,
    "due_action": "reject",
}


def _type_specs(teams: Mapping[str, Team], people: Mapping[str, User]) -> list[dict[str, Any]]:
    """The demo's request types: offering (service slug, offering name), form, steps, tasks."""
    eud, desk = teams["end-user-computing"].pk, teams["service-desk"].pk
    storage, iam = teams["server-and-storage"].pk, teams["identity-and-access"].pk
    collab = teams["collaboration-support"].pk
    return [
        {
            "offering": ("workplace-devices", "New laptop"),
            "name": "New laptop",
            "summary": "A standard, developer or ultralight laptop, set up for you.",
            "form": LAPTOP_FORM,
            "steps": [MANAGER_STEP],
            "tasks": [
                {"position": 1, "title": "Take from stock", "team": eud},
                {"position": 2, "title": "Image and enrol", "team": eud},
                {"position": 3, "title": "Hand over", "team": desk},
            ],
            "group": "end-user-computing",
            "price": Decimal("950.00"),
            "weight": 30,
        },
        {
            "offering": ("file-storage", "Shared folder"),
            "name": "Access to a shared drive",
            "summary": "Read or write access to a shared drive or folder.",
            "form": DRIVE_FORM,
            "steps": [
                MANAGER_STEP,
                {
                    "name": "Data owner",
                    "approver_source": "people",
                    "people": [people["fatima.zahra"].pk],
                    "due_hours": 48,
                    "due_action": "approve",
                },
            ],
            "tasks": [{"position": 1, "title": "Grant the access", "team": storage}],
            "group": "server-and-storage",
            "price": None,
            "weight": 30,
        },
        {
            "offering": ("workplace-devices", "Software installation"),
            "name": "Software installation",
            "summary": "Licensed software installed on your laptop.",
            "form": SOFTWARE_FORM,
            "steps": [],
            "tasks": [{"position": 1, "title": "Install the software", "team": eud}],
            "group": "end-user-computing",
            "price": Decimal("120.00"),
            "weight": 30,
        },
        {
            "offering": ("accounts-access", "New starter account"),
            "name": "New starter",
            "summary": "Everything a new colleague needs on their first day.",
            "form": STARTER_FORM,
            "steps": [MANAGER_STEP],
            "tasks": [
                {"position": 1, "title": "Create the account", "team": iam},
                {"position": 2, "title": "Set up the mailbox", "team": collab},
                {"position": 2, "title": "Prepare a laptop", "team": eud},
                {"position": 3, "title": "Welcome pack and first-day visit", "team": desk},
            ],
            "group": "service-desk",
            "price": None,
            "weight": 10,
        },
    ]


def _ensure_managers(people: Mapping[str, User]) -> int:
    set_now = 0
    for username, manager_name in MANAGERS.items():
        person, manager = people.get(username), people.get(manager_name)
        if person is None or manager is None or person.manager_id is not None:
            continue
        people_services.do_update_user(person, actor=None, manager=manager)
        set_now += 1
    return set_now


def _offering(service_slug: str, name: str) -> ServiceOffering:
    service = Service.objects.get(slug=service_slug)
    offering = ServiceOffering.objects.filter(service=service, name=name).first()
    if offering is None:
        offering = catalog_services.do_create_offering(
            service, actor=None, name=name, offering_type="action"
        )
    return offering


def _ensure_types(teams: Mapping[str, Team], people: Mapping[str, User]) -> list[tuple]:
    """(request type, spec) for each demo type, created when missing."""
    found = []
    for spec in _type_specs(teams, people):
        offering = _offering(*spec["offering"])
        request_type = RequestType.objects.filter(offering=offering, name=spec["name"]).first()
        if request_type is None:
            request_type = do_create_request_type(
                actor=None,
                offering=offering,
                name=spec["name"],
                summary=spec["summary"],
                fulfilment_group=teams[spec["group"]],
                price=spec["price"],
                form_fields=spec["form"],
            )
            if spec["steps"]:
                do_set_approval_steps(
                    request_type, spec["steps"], actor=None, expected_version=None
                )
            do_set_task_templates(request_type, spec["tasks"], actor=None, expected_version=None)
            request_type.refresh_from_db()
        found.append((request_type, spec))
    return found


DELIVERY_TARGET = "Requests delivered within 5 business days"


def _ensure_targets() -> int:
    """A delivery target of 5 office days for every request (the approval pauses it) and an
    OLA of one office day for every fulfilment task."""
    calendar = BusinessCalendar.objects.filter(slug="uk-office-hours").first()
    if calendar is None:
        return 0
    added = 0
    for spec in (
        {
            "name": DELIVERY_TARGET,
            "ticket_kind": "request",
            "kind": "resolution",
            "target_minutes": 5 * 8 * 60,
            "pause_reasons": ["awaiting_approval", "awaiting_requester"],
        },
        {
            "name": "Fulfilment tasks within 1 business day",
            "ticket_kind": "request_task",
            "kind": "resolution",
            "target_minutes": 8 * 60,
            "pause_reasons": ["awaiting_requester"],
        },
    ):
        if not SLADefinition.objects.filter(name=spec["name"]).exists():
            do_create_sla_definition(actor=None, calendar=calendar, **spec)
            added += 1
    return added


def _name_delivery_targets(request_types: list[RequestType]) -> None:
    """Each demo type tells its requesters the delivery target its requests are measured by."""
    target = SLADefinition.objects.filter(name=DELIVERY_TARGET).first()
    for request_type in request_types:
        if target is not None and request_type.delivery_target_id is None:
            do_update_request_type(
                request_type, actor=None, expected_version=None, delivery_target=target
            )


# -- the simulation ----------------------------------------------------------------------------


def _working_time(rng: random.Random, day: dt.datetime) -> dt.datetime:
    """A moment of office hours on `day`'s date (a weekend moves to the Monday after)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    minute = int(rng.triangular(8 * 60, 18 * 60, 10 * 60))
    return day.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)


def _later(at: dt.datetime, rng: random.Random, median_hours: float) -> dt.datetime:
    """`at` plus a log-normal wait with that median (long tails, as queues have)."""
    hours = rng.lognormvariate(0, 0.9) * median_hours
    return at + dt.timedelta(minutes=max(5, int(hours * 60)))


class Journal:
    """The journal events of the simulated records, in the services' shape."""

    def __init__(self, names: Mapping[str, Mapping[int, str]]):
        self.names = names
        self.events: list[tuple[PendingEvent, str, str]] = []  # event, model key, number
        self.request_type = ContentType.objects.get_for_model(ServiceRequest).pk
        self.task_type = ContentType.objects.get_for_model(FulfilmentTask).pk

    def value(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if name in self.names:
            return {"id": value, "repr": self.names[name].get(value, str(value))}
        return to_journal_value(value)

    def note(
        self,
        record: dict[str, Any],
        event_type: str,
        at: dt.datetime,
        actor: User | None,
        data: Mapping[str, Any],
    ) -> None:
        """An event that changes no field of the request (an approval's steps and votes are
        rows beside it): journaled on the request with what happened in `data`, as
        services/approvals.py journals it, without a new version."""
        self.events.append(
            (
                PendingEvent(
                    occurred_at=at,
                    event_type=event_type,
                    actor_id=actor.pk if actor else None,
                    actor_repr=actor.get_username() if actor else "system",
                    subject_type_id=self.request_type,
                    subject_id="",
                    subject_repr=f"{record['number']} {record['title']}"[:300],
                    changes={},
                    data=dict(data),
                ),
                "request",
                record["number"],
            )
        )

    def record(
        self,
        record: dict[str, Any],
        changed: Mapping[str, Any],
        event_type: str,
        at: dt.datetime,
        actor: User | None,
        fields: tuple[str, ...],
        *,
        created: bool = False,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Apply `changed` to the record (by field name) and journal what changed."""
        changes = {}
        for name in fields:
            if created or name in changed:
                old = None if created else record.get(name)
                new = changed.get(name, record.get(name))
                if created or old != new:
                    changes[name] = {"old": self.value(name, old), "new": self.value(name, new)}
                record[name] = new
        if not changes and not created:
            return
        record["version"] = record.get("version", 0) + 1
        record["updated_at"] = at
        is_task = fields is TASK_FIELDS
        event = PendingEvent(
            occurred_at=at,
            event_type=event_type,
            actor_id=actor.pk if actor else None,
            actor_repr=actor.get_username() if actor else "system",
            subject_type_id=self.task_type if is_task else self.request_type,
            subject_id="",
            subject_repr=f"{record['number']} {record['title']}"[:300],
            changes=changes,
            data=dict(data or {}),
        )
        self.events.append((event, "task" if is_task else "request", record["number"]))


def _answers(rng: random.Random, name: str, opened: dt.datetime) -> dict[str, Any]:
    if name == "New laptop":
        model = rng.choice(LAPTOP_FORM[0]["choices"])
        answers: dict[str, Any] = {"model": model}
        if model == "Developer 16-inch":
            answers["reason"] = "Builds and local containers"
        if rng.random() < 0.5:
            answers["needed_by"] = (opened + dt.timedelta(days=14)).date().isoformat()
        return answers
    if name == "Access to a shared drive":
        folder = rng.choice(["Finance", "HR", "Sales", "Projects", "Marketing", "Legal"])
        return {
            "path": f"\\\\files\\{folder}",
            "access": rng.choice(["Read", "Read and write"]),
        }
    if name == "Software installation":
        return {
            "software": rng.choice(SOFTWARE_FORM[0]["choices"]),
            "licence_paid": rng.random() < 0.7,
        }
    first = rng.choice(["Alex", "Sam", "Robin", "Kim", "Jo", "Chris", "Lee", "Pat"])
    return {
        "name": f"{first} {rng.choice(['Smith', 'Brown', 'Wilson', 'Evans', 'Clark'])}",
        "start_date": (opened + dt.timedelta(days=21)).date().isoformat(),
        "job_title": rng.choice(["Analyst", "Engineer", "Accountant", "Consultant"]),
        "needs_laptop": True,
    }


class Simulation:
    def __init__(
        self,
        now: dt.datetime,
        types: list[tuple],
        people: Mapping[str, User],
        requesters: list[User],
        count: int,
    ):
        self.now = now
        self.count = count
        self.rng = random.Random(SEED)
        self.types = types
        self.requesters = requesters
        self.desk = [
            people[name] for name in ("tom.baker", "aisha.khan", "lars.nilsson") if name in people
        ]
        teams = {team.pk: team for team in Team.objects.prefetch_related("members")}
        self.team_members = {
            pk: [member for member in team.members.all() if member.is_active]
            for pk, team in teams.items()
        }
        self.people = {user.pk: user for user in people.values()}
        names = {
            "request_type": {rt.pk: rt.name for rt, _ in types},
            "form_version": {rt.current_form_id: str(rt.current_form) for rt, _ in types},
            "offering": {rt.offering_id: str(rt.offering) for rt, _ in types},
            "service": {rt.offering.service_id: rt.offering.service.name for rt, _ in types},
            "requested_for": {user.pk: str(user) for user in people.values()},
            "requested_by": {user.pk: str(user) for user in people.values()},
            "assignee": {user.pk: str(user) for user in people.values()},
            "assignment_group": {pk: team.name for pk, team in teams.items()},
            "request": {},
        }
        self.journal = Journal(names)
        self.requests: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.steps: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = []
        self.request_number = REQUEST_NUMBERS.value_of(
            ServiceRequest.objects.order_by("-number").values_list("number", flat=True).first()
            or "REQ0000000"
        )
        self.task_number = 0

    # -- requests ------------------------------------------------------------------------------

    def _move(self, request: dict, target: State, at: dt.datetime, actor: User | None, **extra):
        changed = {"state": str(target), **extra}
        if target != State.ON_HOLD:
            changed["hold_reason"] = ""
        stamp = {
            State.AWAITING_APPROVAL: "approval_requested_at",
            State.APPROVED: "approved_at",
            State.REJECTED: "rejected_at",
            State.IN_FULFILMENT: "fulfilment_started_at",
            State.FULFILLED: "fulfilled_at",
            State.FAILED: "failed_at",
            State.CLOSED: "closed_at",
            State.CANCELLED: "cancelled_at",
        }.get(target)
        if stamp and not (target == State.IN_FULFILMENT and request.get(stamp)):
            changed[stamp] = at
        shown = SimpleNamespace(state=str(target), hold_reason=changed.get("hold_reason", ""))
        derive_clock_fields(shown)
        changed["clock_phase"] = str(shown.clock_phase)
        changed["clock_hold_reason"] = shown.clock_hold_reason
        data = {"from": request["state"], "to": str(target)}
        self.journal.record(
            request, changed, EventType.REQUEST_STATE_CHANGED, at, actor, REQUEST_FIELDS, data=data
        )

    def run(self) -> None:
        weights = [spec["weight"] for _, spec in self.types]
        start = self.now - dt.timedelta(days=DAYS)
        for index in range(self.count):
            # Spread over the year, a little busier recently.
            day = start + dt.timedelta(days=DAYS * (index / self.count) ** 0.9)
            opened = _working_time(self.rng, day)
            if opened >= self.now:
                continue
            request_type, spec = self.rng.choices(self.types, weights)[0]
            self._request(request_type, spec, opened)

    def _request(self, request_type: RequestType, spec: dict, opened: dt.datetime) -> None:
        rng = self.rng
        requester = rng.choice(self.requesters)
        by = rng.choice(self.desk) if self.desk and rng.random() < 0.15 else requester
        self.request_number += 1
        request: dict[str, Any] = {}
        values = {
            "number": REQUEST_NUMBERS.format(self.request_number),
            "request_type": request_type.pk,
            "form_version": request_type.current_form_id,
            "answers": _answers(rng, request_type.name, opened),
            "title": request_type.name,
            "offering": request_type.offering_id,
            "service": request_type.offering.service_id,
            "requested_for": requester.pk,
            "requested_by": by.pk,
            "channel": "phone" if by != requester else rng.choice(["portal", "portal", "api"]),
            "state": str(State.SUBMITTED),
            "hold_reason": "",
            "clock_phase": "running",
            "clock_hold_reason": "",
            "assignment_group": request_type.fulfilment_group_id,
            "assignee": None,
            "price": request_type.price,
            "failure_reason": "",
            "rejection_reason": "",
            "cancellation_reason": "",
            "opened_at": opened,
        }
        self.journal.record(
            request, values, EventType.REQUEST_SUBMITTED, opened, by, REQUEST_FIELDS, created=True
        )
        self.requests.append(request)
        at = opened
        # The approval.
        if spec["steps"]:
            self._move(request, State.AWAITING_APPROVAL, at, None)
            at = self._approval(request, spec["steps"], requester, at)
            if at is None or request["state"] == State.REJECTED:
                return
        elif rng.random() < 0.04 and self.now - opened > dt.timedelta(days=1):
            self._move(
                request,
                State.CANCELLED,
                opened + dt.timedelta(hours=2),
                requester,
                cancellation_reason="Not needed any more",
            )
            return
        self._move(request, State.APPROVED, at, None)
        self._move(request, State.IN_FULFILMENT, at, None)
        self._fulfil(request, spec, requester, at)

    def _approval(
        self, request: dict, steps: list[dict], requester: User, at: dt.datetime
    ) -> dt.datetime | None:
        """Run the steps in order; the time the approval ended, or None while it waits."""
        rng = self.rng
        rows = []
        self.steps.append((request["number"], {}, rows))
        rejected = False
        for position, step in enumerate(steps, start=1):
            if step["approver_source"] == "requester_manager":
                approver = self.people.get(requester.manager_id)
            else:
                approver = self.people.get(step["people"][0])
            row = {
                "position": position,
                "name": step["name"],
                "approver_source": step["approver_source"],
                "policy": "any",
                "due_hours": step["due_hours"],
                "due_action": step["due_action"],
                "state": StepState.WAITING,
                "votes": [],
                "approver": approver,
            }
            rows.append(row)
        for row in rows:
            if rejected or at is None:
                row["state"] = StepState.WAITING if at is None else StepState.WITHDRAWN
                continue
            row["state"], row["started_at"] = StepState.PENDING, at
            row["due_at"] = at + dt.timedelta(hours=row["due_hours"])
            approver = row["approver"]
            step = {"step": row["position"], "step_name": row["name"]}
            asked = approver is not None and approver.pk not in (
                request["requested_for"],
                request["requested_by"],
            )
            self.journal.note(
                request,
                EventType.REQUEST_APPROVAL_REQUESTED,
                at,
                None,
                {
                    **step,
                    "policy": "any",
                    "required": None,
                    "approvers": [to_journal_value(approver)] if asked else [],
                    "fallback": "",
                    "due_at": to_journal_value(row["due_at"]),
                    "due_action": row["due_action"],
                },
            )
            if not asked:
                # Nobody may approve it: the due date decides.
                decided, decision = row["due_at"], row["due_action"] == "approve"
                note = (
                    "due date passed: " + ("approved" if decision else "rejected") + " by default"
                )
            else:
                decided = _later(at, rng, 6 if row["name"] == "Line manager" else 14)
                decision = rng.random() > (0.08 if row["name"] == "Line manager" else 0.03)
                note = "approved" if decision else "rejected"
            if decided > self.now:
                if approver is not None:
                    row["votes"].append({"approver": approver, "decision": Decision.PENDING})
                at = None
                continue
            if approver is not None:
                row["votes"].append(
                    {
                        "approver": approver,
                        "decision": Decision.APPROVED if decision else Decision.REJECTED,
                        "decided_at": decided,
                        "decided_by": approver if "default" not in note else None,
                    }
                )
                if "default" in note:
                    row["votes"][-1]["decision"] = Decision.NOT_NEEDED
            row["state"] = StepState.APPROVED if decision else StepState.REJECTED
            row["decided_at"], row["outcome_note"] = decided, note
            due = "default" in note
            if not due:
                self.journal.note(
                    request,
                    EventType.REQUEST_APPROVAL_VOTED,
                    decided,
                    approver,
                    {
                        **step,
                        "approver": to_journal_value(approver),
                        "decision": str(Decision.APPROVED if decision else Decision.REJECTED),
                        "comment": "",
                    },
                )
            self.journal.note(
                request,
                EventType.REQUEST_APPROVAL_CONCLUDED,
                decided,
                None if due else approver,
                {**step, "outcome": str(row["state"]), "note": note, "due": due},
            )
            at = decided
            if not decision:
                rejected = True
                self._move(
                    request,
                    State.REJECTED,
                    decided,
                    approver,
                    rejection_reason="Not needed for the role",
                )
        return None if at is None else at

    def _fulfil(self, request: dict, spec: dict, requester: User, at: dt.datetime) -> None:
        rng = self.rng
        positions = sorted({task["position"] for task in spec["tasks"]})
        tasks = []
        for template in spec["tasks"]:
            self.task_number += 1
            task: dict[str, Any] = {}
            ready = template["position"] == positions[0]
            self.journal.record(
                task,
                {
                    "number": f"{request['number']}:{self.task_number}",
                    "request": request["number"],
                    "position": template["position"],
                    "title": template["title"],
                    "instructions": "",
                    "assignment_group": template["team"],
                    "assignee": None,
                    "state": str(TaskState.OPEN if ready else TaskState.WAITING),
                    "hold_reason": "",
                    "opened_at": at,
                    "ready_at": at if ready else None,
                    "started_at": None,
                    "finished_at": None,
                    "outcome_note": "",
                },
                EventType.REQUEST_TASK_CREATED,
                at,
                None,
                TASK_FIELDS,
                created=True,
            )
            tasks.append(task)
            self.tasks.append(task)
        if rng.random() < 0.03 and self.now - at > dt.timedelta(days=2):
            self._move(
                request,
                State.CANCELLED,
                at + dt.timedelta(hours=3),
                requester,
                cancellation_reason="Found another way",
            )
            for task in tasks:
                self._task(
                    task,
                    TaskState.CANCELLED,
                    at + dt.timedelta(hours=3),
                    None,
                    finished_at=at + dt.timedelta(hours=3),
                )
            return
        ready_at = at
        if rng.random() < 0.06:
            # The desk asks the requester something first: on hold, the clock paused.
            held = _later(at, rng, 1)
            if held > self.now:
                return
            self._move(request, State.ON_HOLD, held, None, hold_reason="awaiting_requester")
            back = _later(held, rng, 20)
            if back > self.now:
                return
            self._move(request, State.IN_FULFILMENT, back, requester)
            ready_at = back
        for position in positions:
            group = [task for task in tasks if task["position"] == position]
            for task in group:
                if task["state"] == TaskState.WAITING:
                    self._task(task, TaskState.OPEN, ready_at, None, ready_at=ready_at)
            ends = [self._work_task(task, ready_at) for task in group]
            failed = [task for task in group if task["state"] == TaskState.FAILED]
            if failed:
                failed_at = failed[0]["finished_at"]
                self._move(
                    request,
                    State.FAILED,
                    failed_at,
                    None,
                    failure_reason=f"{failed[0]['title']}: {failed[0]['outcome_note']}",
                )
                for other in tasks:
                    if other["state"] not in (TaskState.DONE, TaskState.FAILED):
                        # Never before the task's own last move (the journal stays in order).
                        when = max(failed_at, other["updated_at"])
                        self._task(other, TaskState.CANCELLED, when, None, finished_at=when)
                return
            if any(end is None for end in ends):
                return
            ready_at = max(ends)
        self._move(request, State.FULFILLED, ready_at, None)
        closed = ready_at + dt.timedelta(days=3)
        if closed < self.now:
            self._move(request, State.CLOSED, closed, None)

    def _task(self, task: dict, state: TaskState, at: dt.datetime, actor: User | None, **extra):
        self.journal.record(
            task,
            {"state": str(state), **extra},
            EventType.REQUEST_TASK_STATE_CHANGED,
            at,
            actor,
            TASK_FIELDS,
        )

    def _work_task(self, task: dict, ready: dt.datetime) -> dt.datetime | None:
        """Start and finish the task; the time it ended, or None while it is open."""
        rng = self.rng
        members = self.team_members.get(task["assignment_group"]) or self.desk
        worker = rng.choice(members) if members else None
        started = _later(ready, rng, 3)
        if started > self.now:
            return None
        self._task(
            task,
            TaskState.IN_PROGRESS,
            started,
            worker,
            started_at=started,
            assignee=worker.pk if worker else None,
        )
        if rng.random() < 0.06:
            held = _later(started, rng, 1)
            if held > self.now:
                return None
            self._task(task, TaskState.ON_HOLD, held, worker, hold_reason="awaiting_requester")
            back = _later(held, rng, 12)
            if back > self.now:
                return None
            self._task(task, TaskState.IN_PROGRESS, back, worker, hold_reason="")
            started = back
        done = _later(started, rng, 4)
        if done > self.now:
            return None
        if rng.random() < 0.02:
            self._task(
                task,
                TaskState.FAILED,
                done,
                worker,
                finished_at=done,
                outcome_note="Out of stock at the supplier",
            )
        else:
            self._task(task, TaskState.DONE, done, worker, finished_at=done)
        return done


# -- writing -----------------------------------------------------------------------------------


def _db_row(model: type, record: dict[str, Any], fields: tuple[str, ...], related: set) -> dict:
    row = {}
    for name in fields:
        value = record.get(name)
        row[f"{name}_id" if name in related else name] = value
    row["version"] = record["version"]
    row["updated_at"] = record["updated_at"]
    row["sla_due_at"] = None
    row["sla_state"] = ""
    return row


@transaction.atomic
def _write(simulation: Simulation) -> dict[str, int]:
    requests = simulation.requests
    related = set(REQUEST_RELATED)
    rows = []
    for request in requests:
        row = _db_row(ServiceRequest, request, REQUEST_FIELDS, related)
        row["answers"] = request["answers"]
        rows.append(row)
    insert_rows(ServiceRequest, rows)
    request_ids = dict(
        ServiceRequest.objects.filter(number__in=[r["number"] for r in requests]).values_list(
            "number", "id"
        )
    )
    advance_past(REQUEST_NUMBERS, request_ids)
    # The tasks take their real numbers now, in the order they were created.
    first_task = (
        TASK_NUMBERS.value_of(
            FulfilmentTask.objects.order_by("-number").values_list("number", flat=True).first()
            or "TASK0000000"
        )
        or 0
    )
    renumbered = {}
    for offset, task in enumerate(simulation.tasks, start=1):
        renumbered[task["number"]] = TASK_NUMBERS.format(first_task + offset)
    task_rows = []
    for task in simulation.tasks:
        row = _db_row(
            FulfilmentTask, task, TASK_FIELDS, {"request", "assignment_group", "assignee"}
        )
        row["number"] = renumbered[task["number"]]
        row["request_id"] = request_ids[task["request"]]
        task_rows.append(row)
    insert_rows(FulfilmentTask, task_rows)
    advance_past(TASK_NUMBERS, renumbered.values())
    task_ids = dict(
        FulfilmentTask.objects.filter(number__in=list(renumbered.values())).values_list(
            "number", "id"
        )
    )
    # The approval steps and votes.
    steps, votes = [], []
    for number, _, rows_of_steps in simulation.steps:
        for step in rows_of_steps:
            steps.append(
                RequestApproval(
                    request_id=request_ids[number],
                    position=step["position"],
                    name=step["name"],
                    approver_source=step["approver_source"],
                    policy=step["policy"],
                    due_at=step.get("due_at"),
                    due_hours=step["due_hours"],
                    due_action=step["due_action"],
                    state=step["state"],
                    started_at=step.get("started_at"),
                    decided_at=step.get("decided_at"),
                    outcome_note=step.get("outcome_note", ""),
                )
            )
            votes.append(step["votes"])
    created_steps = RequestApproval.objects.bulk_create(steps, batch_size=2000)
    ApprovalVote.objects.bulk_create(
        [
            ApprovalVote(
                approval=step,
                approver=vote["approver"],
                decision=vote["decision"],
                decided_by=vote.get("decided_by"),
                decided_at=vote.get("decided_at"),
            )
            for step, step_votes in zip(created_steps, votes, strict=True)
            for vote in step_votes
        ],
        batch_size=2000,
    )
    # The journal: each event names its record by id now; the task events name the request.
    events = []
    for event, kind, number in simulation.journal.events:
        if kind == "task":
            real = renumbered[number]
            event.subject_id = str(task_ids[real])
            event.subject_repr = real + event.subject_repr[len(number) :]
            for name in ("number",):
                if name in event.changes:
                    event.changes[name]["new"] = real
            if "request" in event.changes:
                request_number = event.changes["request"]["new"]["id"]
                event.changes["request"]["new"] = {
                    "id": request_ids[request_number],
                    "repr": request_number,
                }
        else:
            event.subject_id = str(request_ids[number])
        events.append(event)
    events.sort(key=lambda event: event.occurred_at)
    record_events(events)
    return {
        "service requests": len(request_ids),
        "fulfilment tasks": len(task_ids),
        "approval steps": len(created_steps),
        "request journal events": len(events),
    }


def measure_clocks(now: dt.datetime, batch_size: int = 1000) -> int:
    """The requests' and tasks' SLA clocks, from the journal, as a recompute measures them."""
    clocks = 0
    for key, model in (("request", ServiceRequest), ("request_task", FulfilmentTask)):
        kind = get_kind(key)
        targets = TargetSet(active_targets(key))
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            found, _ = recompute_batch(ids[start : start + batch_size], targets, now, kind)
            clocks += found
    return clocks


def load_requests(now: dt.datetime | None = None, count: int = REQUESTS_PER_YEAR) -> dict[str, int]:
    """Returns what was added. `count`: requests over the year (fewer in tests)."""
    now = now or timezone.now()
    people = {user.username: user for user in User.objects.all()}
    teams = {team.slug: team for team in Team.objects.all()}
    if "end-user-computing" not in teams or "fatima.zahra" not in people:
        return {}
    added = {"managers set": _ensure_managers(people)}
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    types = _ensure_types(teams, people)
    added["request SLA definitions"] = _ensure_targets()
    _name_delivery_targets([request_type for request_type, _ in types])
    if ServiceRequest.objects.exists():
        return added
    requesters = [
        user
        for name, user in sorted(people.items())
        if user.kind == UserKind.REQUESTER or name in MANAGERS
    ]
    simulation = Simulation(now, types, people, requesters, count)
    simulation.run()
    added.update(_write(simulation))
    added["request SLA clocks"] = measure_clocks(now)
    return added
