"""The demo organisation's incidents: ~300 over the last 90 days, in every state.

Each incident is replayed through the incident services with `at=` timestamps (opened, triaged,
worked, put on hold, reassigned, resolved, reopened, closed), exactly as an importer would
replay another tool's history, so the journal, SLA clocks and counters are the real thing.
Seeded, so every demo has the same story. Idempotent: skipped when incidents exist.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.incidents import services
from kaizen.incidents.models import Category, Incident
from kaizen.people.models import Team, User, UserKind

COUNT = 300
DAYS = 90
SEED = 20260301

CATEGORIES = {
    "Hardware": ["Laptop or desktop", "Printer", "Mobile device", "Peripheral"],
    "Software": ["Application error", "Installation", "Performance", "Licence"],
    "Network": ["Connectivity", "Wi-Fi", "VPN", "Telephony"],
    "Access": ["Password reset", "Permissions", "Account locked", "Single sign-on"],
    "Email and collaboration": ["Delivery", "Mailbox", "Calendar", "Meetings"],
    "Data": ["File share", "Backup and restore", "Report"],
}


@dataclass(frozen=True)
class Story:
    service: str
    category: str
    subcategory: str
    short_description: str
    description: str
    impact: int = 3
    urgency: int = 2


STORIES = [
    Story(
        "email",
        "Email and collaboration",
        "Delivery",
        "Emails to a customer bounce",
        "Every mail to @northwind.example bounces with 550 5.7.1 since this morning.",
    ),
    Story(
        "email",
        "Email and collaboration",
        "Mailbox",
        "Mailbox full, cannot send",
        "Outlook says my mailbox is over its limit; I cannot send anything.",
    ),
    Story(
        "email",
        "Email and collaboration",
        "Calendar",
        "Shared calendar not updating",
        "The team calendar shows last week's bookings only.",
        2,
        3,
    ),
    Story(
        "video-conferencing",
        "Email and collaboration",
        "Meetings",
        "Meeting room screen does not connect",
        "Room 4.12: the screen stays black when joining a call.",
        3,
        1,
    ),
    Story(
        "video-conferencing",
        "Email and collaboration",
        "Meetings",
        "Echo in every call",
        "Everyone hears themselves twice in calls from the Lisbon office.",
        2,
        2,
    ),
    Story(
        "workplace-devices",
        "Hardware",
        "Laptop or desktop",
        "Laptop does not start",
        "Power light blinks orange three times, nothing on screen.",
    ),
    Story(
        "workplace-devices",
        "Hardware",
        "Laptop or desktop",
        "Laptop very slow after update",
        "Since the weekend update it takes ten minutes to start.",
        3,
        3,
    ),
    Story(
        "workplace-devices",
        "Hardware",
        "Peripheral",
        "Docking station: no external screens",
        "Neither monitor wakes up when I dock.",
        3,
        2,
    ),
    Story(
        "mobile-devices",
        "Hardware",
        "Mobile device",
        "Phone no longer gets company email",
        "The mail app asks for a password and then fails.",
        3,
        2,
    ),
    Story(
        "printing",
        "Hardware",
        "Printer",
        "Printer on floor 3 jams",
        "Every second page jams in tray 2.",
        3,
        3,
    ),
    Story(
        "printing",
        "Hardware",
        "Printer",
        "Cannot print to any printer",
        "Print jobs stay in the queue with status 'error'.",
        3,
        2,
    ),
    Story(
        "wifi",
        "Network",
        "Wi-Fi",
        "Wi-Fi drops every few minutes",
        "In the east wing the connection drops and comes back.",
        2,
        2,
    ),
    Story(
        "wifi",
        "Network",
        "Wi-Fi",
        "Guest Wi-Fi portal not loading",
        "Visitors cannot accept the terms: the page never loads.",
        2,
        3,
    ),
    Story(
        "vpn",
        "Network",
        "VPN",
        "VPN disconnects after login",
        "The client connects, then drops with error 809.",
        3,
        1,
    ),
    Story(
        "vpn",
        "Network",
        "VPN",
        "VPN down for the whole sales team",
        "None of the field sales team can connect since 07:00.",
        1,
        1,
    ),
    Story(
        "erp-finance",
        "Software",
        "Application error",
        "Invoice posting fails",
        "Posting a vendor invoice ends with a short dump.",
        2,
        1,
    ),
    Story(
        "erp-finance",
        "Software",
        "Performance",
        "Month-end report takes hours",
        "The P&L report runs for three hours instead of twenty minutes.",
        2,
        2,
    ),
    Story(
        "payroll",
        "Software",
        "Application error",
        "Payslips show the wrong tax code",
        "Several payslips in the March run show code BR.",
        2,
        1,
    ),
    Story(
        "hr-portal",
        "Software",
        "Application error",
        "Leave request cannot be submitted",
        "The submit button does nothing.",
        3,
        2,
    ),
    Story(
        "crm",
        "Software",
        "Performance",
        "CRM opportunity page times out",
        "Opening any opportunity takes more than a minute.",
        2,
        2,
    ),
    Story(
        "crm",
        "Software",
        "Licence",
        "No CRM licence after team move",
        "Since joining the key accounts team I get 'no licence'.",
        3,
        2,
    ),
    Story(
        "intranet",
        "Software",
        "Application error",
        "Intranet search returns nothing",
        "Every search shows 'no results'.",
        2,
        3,
    ),
    Story(
        "file-storage",
        "Data",
        "File share",
        "Cannot open the finance share",
        "Access denied on \\\\files\\finance since yesterday.",
        3,
        1,
    ),
    Story(
        "file-storage",
        "Data",
        "Backup and restore",
        "Need a deleted folder restored",
        "I deleted the 'Contracts 2025' folder by mistake.",
        3,
        2,
    ),
    Story(
        "accounts-access",
        "Access",
        "Account locked",
        "Account locked out",
        "I was locked out after changing my password.",
        3,
        1,
    ),
    Story(
        "accounts-access",
        "Access",
        "Password reset",
        "Password reset link expired",
        "The reset mail arrives but the link is already expired.",
        3,
        2,
    ),
    Story(
        "accounts-access",
        "Access",
        "Single sign-on",
        "Single sign-on loop",
        "The login page keeps redirecting to itself.",
        2,
        2,
    ),
    Story(
        "accounts-access",
        "Access",
        "Permissions",
        "Missing access to the shared drive",
        "New starter cannot see the department folders.",
        3,
        3,
    ),
    Story(
        "telephony",
        "Network",
        "Telephony",
        "Desk phone has no dial tone",
        "The phone shows 'registering' all the time.",
        3,
        2,
    ),
    Story(
        "service-desk",
        "Software",
        "Installation",
        "Software installation fails",
        "The installer stops at 90% with error 1603.",
        3,
        3,
    ),
]
MAJOR = [
    Story(
        "email",
        "Email and collaboration",
        "Delivery",
        "Email down for all users",
        "Nobody can send or receive email. Outlook shows 'disconnected'.",
        1,
        1,
    ),
    Story(
        "erp-finance",
        "Software",
        "Application error",
        "ERP unavailable",
        "The ERP login page shows 'service unavailable' for everyone.",
        1,
        1,
    ),
    Story(
        "network",
        "Network",
        "Connectivity",
        "Head office network outage",
        "No network on floors 1 to 5 of the head office.",
        1,
        1,
    ),
]
CHANNELS = ["phone"] * 4 + ["email"] * 3 + ["self_service"] * 5 + ["walk_in", "monitoring"]
AGENT_REPLIES = [
    "Thanks for reporting this. Could you tell me when it last worked?",
    "I am looking into it now.",
    "Could you restart the device and tell me whether the problem persists?",
    "We have found the cause and are working on a fix.",
]
WORK_NOTES = [
    "Checked the logs: authentication errors from the client since 07:12.",
    "Same symptom as last week's incident; probably the certificate again.",
    "Escalating to second line: needs admin rights on the server.",
    "Vendor ticket opened, reference V-20931.",
]
CALLER_REPLIES = [
    "It stopped working on Monday morning.",
    "I restarted it; the problem is still there.",
    "Here is the exact error message: 'Access denied (0x5)'.",
]
RESOLUTIONS = [
    ("solved", "Replaced the faulty component and tested with the caller."),
    ("solved", "Corrected the configuration; the caller confirmed it works."),
    ("workaround", "Provided a workaround until the permanent fix is released."),
    ("user_error", "Explained the correct steps; no fault in the service."),
    ("not_reproducible", "Could not reproduce with the caller; will reopen if it happens again."),
    ("duplicate", "Same cause as the major incident raised this morning."),
]


class Replay:
    """One incident's history, step by step; stops quietly where the present begins."""

    def __init__(self, rng: random.Random, incident: Incident, at: dt.datetime, now: dt.datetime):
        self.rng, self.incident, self.at, self.now = rng, incident, at, now

    def later(self, low_minutes: float, high_minutes: float) -> bool:
        self.at += dt.timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))
        return self.at < self.now

    def state(self, state: str, actor: User, **inputs: str) -> None:
        self.incident = services.do_change_incident_state(
            self.incident,
            state,
            actor=actor,
            expected_version=self.incident.version,
            at=self.at,
            notify=False,
            **inputs,
        )

    def assign(self, team: Team | None, assignee: User | None, actor: User | None) -> None:
        self.incident = services.do_assign_incident(
            self.incident,
            assignment_group=team,
            assignee=assignee,
            actor=actor,
            expected_version=self.incident.version,
            at=self.at,
            notify=False,
        )

    def comment(self, body: str, actor: User, *, work_note: bool = False) -> None:
        services.do_add_incident_comment(
            self.incident, body, actor=actor, is_work_note=work_note, at=self.at, notify=False
        )


def _categories() -> dict[tuple[str, str], tuple[Category, Category]]:
    existing = {
        (c.parent.name if c.parent else None, c.name): c
        for c in Category.objects.select_related("parent")
    }
    found = {}
    for top_name, children in CATEGORIES.items():
        top = existing.get((None, top_name)) or services.do_create_category(top_name, actor=None)
        for child_name in children:
            child = existing.get((top_name, child_name)) or services.do_create_category(
                child_name, actor=None, parent=top
            )
            found[(top_name, child_name)] = (top, child)
    return found


def _opened_at(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """Mostly weekdays in office hours, like real traffic."""
    while True:
        day = now - dt.timedelta(days=rng.uniform(0, DAYS))
        if day.weekday() < 5 or rng.random() < 0.15:
            hour = (
                rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17])
                if day.weekday() < 5
                else rng.randint(0, 23)
            )
            opened = day.replace(hour=hour, minute=rng.randint(0, 59), second=0, microsecond=0)
            if opened < now - dt.timedelta(minutes=30):
                return opened


# Where each incident's story ends, by how old it is: recent ones are still being worked,
# older ones are mostly closed, with a backlog and a few cancellations.
STOPS = {
    "today": {"new": 20, "assigned": 25, "in_progress": 30, "on_hold": 15, "resolved": 10},
    "week": {
        "new": 3,
        "assigned": 8,
        "in_progress": 20,
        "on_hold": 12,
        "resolved": 40,
        "cancelled": 2,
        "closed": 15,
    },
    "older": {
        "new": 1,
        "assigned": 2,
        "in_progress": 4,
        "on_hold": 3,
        "resolved": 2,
        "cancelled": 3,
        "closed": 85,
    },
}


def _stop(rng: random.Random, age: dt.timedelta) -> str:
    weights = STOPS[
        "today" if age < dt.timedelta(days=1) else "week" if age < dt.timedelta(days=7) else "older"
    ]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _work(
    replay: Replay,
    rng: random.Random,
    stop: str,
    team: Team,
    members: list[User],
    desk: list[User],
    teams: dict[str, Team],
) -> None:
    """Triage, work, resolve and close one incident, up to `stop` (or the present)."""
    caller = replay.incident.caller
    triager = rng.choice(desk)
    if stop == "new" or not replay.later(2, 90):
        return
    assignee = rng.choice(members) if members and rng.random() < 0.8 else None
    replay.assign(team, assignee, triager)
    worker = assignee or rng.choice(members or desk)
    if rng.random() < 0.12 and replay.later(30, 240):
        # Sent to the wrong team first: a reassignment.
        other = rng.choice([t for t in teams.values() if t.pk != team.pk])
        replay.assign(other, None, triager)
        if not replay.later(20, 180):
            return
        replay.assign(team, assignee, triager)
    if stop == "assigned" or not replay.later(5, 240):
        return
    if rng.random() < 0.5:
        replay.comment(rng.choice(AGENT_REPLIES), worker)
        if not replay.later(2, 60):
            return
    replay.state("in_progress", worker)
    if rng.random() < 0.4 and replay.later(10, 300):
        replay.comment(rng.choice(WORK_NOTES), worker, work_note=True)
    if stop == "in_progress":
        return
    if (stop == "on_hold" or rng.random() < 0.25) and replay.later(10, 240):
        reason = rng.choice(["awaiting_caller"] * 3 + ["awaiting_vendor", "awaiting_change"])
        if reason == "awaiting_caller":
            replay.comment("Could you send a screenshot of the error, please?", worker)
        replay.state("on_hold", worker, on_hold_reason=reason)
        if stop == "on_hold" or not replay.later(60, 60 * 48):
            return
        if reason == "awaiting_caller":
            replay.comment(rng.choice(CALLER_REPLIES), caller)
        replay.state("in_progress", worker)
    if stop == "cancelled":
        if replay.later(10, 120):
            replay.state("cancelled", worker)
        return
    if not replay.later(30, 60 * 24 * rng.choice([0.1, 0.3, 0.5, 1, 2])):
        return
    code, notes = rng.choice(RESOLUTIONS)
    replay.state("resolved", worker, resolution_code=code, resolution_notes=notes)
    if rng.random() < 0.08 and replay.later(60, 60 * 24 * 3):
        replay.comment("Sorry, it is broken again.", caller)
        replay.state("in_progress", worker)
        if not replay.later(60, 60 * 24):
            return
        replay.state(
            "resolved",
            worker,
            resolution_code="solved",
            resolution_notes="Fixed properly this time: replaced the part.",
        )
    if stop == "closed" and replay.later(60 * 24, 60 * 24 * 5):
        replay.state("closed", None)


def load_incidents(on_progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """`on_progress(done, of)` is called as the incidents are replayed."""
    # The demo's own incidents (imported history is not theirs to count).
    if Incident.objects.filter(imported_from="").exists():
        return {"incidents": 0}
    rng = random.Random(SEED)
    now = timezone.now()
    categories = _categories()
    services_by_slug = {s.slug: s for s in Service.objects.select_related("support_team")}
    teams = {t.slug: t for t in Team.objects.filter(is_active=True)}
    members = {
        slug: list(team.members.filter(is_active=True, kind=UserKind.AGENT))
        for slug, team in teams.items()
    }
    desk = members.get("service-desk") or list(
        User.objects.filter(kind=UserKind.AGENT, is_active=True)
    )
    requesters = list(User.objects.filter(kind=UserKind.REQUESTER, is_active=True)) or desk
    cis = {}
    for ci in ConfigurationItem.objects.prefetch_related("services"):
        for service in ci.services.all():
            cis.setdefault(service.pk, []).append(ci)
    opened = sorted(_opened_at(rng, now) for _ in range(COUNT))
    majors = {rng.randrange(COUNT) for _ in MAJOR}
    for index, at in enumerate(opened):
        if on_progress:
            on_progress(index, COUNT)
        story = (
            MAJOR[len([m for m in majors if m < index]) % len(MAJOR)]
            if index in majors
            else rng.choice(STORIES)
        )
        service = services_by_slug.get(story.service)
        if service is None or service.lifecycle != "live":
            continue
        top, sub = categories[(story.category, story.subcategory)]
        channel = "monitoring" if index in majors else rng.choice(CHANNELS)
        caller = rng.choice(requesters)
        opener = caller if channel == "self_service" else rng.choice(desk)
        linked = cis.get(service.pk)
        incident = services.do_open_incident(
            actor=opener,
            at=at,
            notify=False,
            caller=caller,
            channel=channel,
            service=service,
            configuration_item=rng.choice(linked) if linked and rng.random() < 0.5 else None,
            category=top,
            subcategory=sub,
            impact=story.impact,
            urgency=story.urgency
            if index in majors
            else max(1, min(3, story.urgency + rng.choice([-1, 0, 0, 1]))),
            short_description=story.short_description,
            description=story.description,
            major_incident=index in majors,
        )
        # First line keeps about a third of the incidents (fixed at the first call).
        first_line = teams.get("service-desk") if rng.random() < 0.35 else None
        team = first_line or service.support_team or teams.get("service-desk")
        if team is None:
            continue
        stop = _stop(rng, now - at)
        _work(
            Replay(rng, incident, at, now), rng, stop, team, members.get(team.slug, []), desk, teams
        )
    if on_progress:
        on_progress(COUNT, COUNT)
    return {"incidents": Incident.objects.filter(imported_from="").count()}
