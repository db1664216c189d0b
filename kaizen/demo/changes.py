"""The demo organisation's changes: categories, a standard change catalogue and ~300 changes
over the past year in every state, replayed through the change services with `at=` times.

Most changes close successfully; some fail or are backed out (more often when risky or done
in a hurry), a few are cancelled or rejected, one started before its authorisation. The
incidents opened on a changed service after a recent change are proposed as caused by it, and
a person confirmed or dismissed most proposals. Seeded; idempotent (skipped when changes
exist).
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.changes import services
from kaizen.changes.models import (
    CausedIncidentStatus,
    Change,
    ChangeCategory,
    ChangeTemplate,
    ChangeType,
    ClosureCode,
    State,
)
from kaizen.people.models import Process, Role, Team, User, UserKind

SEED = 20261207
COUNT = 300
DAYS = 365
CATEGORIES = [
    "Software release",
    "Configuration",
    "Hardware",
    "Network",
    "Security patch",
    "Database",
    "Access and identity",
]


@dataclass(frozen=True)
class Story:
    title: str
    service: str
    cis: tuple[str, ...]
    category: str
    team: str
    description: str
    justification: str
    implementation: str
    backout: str
    impact: int = 2
    outage_minutes: int | None = None
    # How often changes like this fail, before risk and haste are counted.
    failure_rate: float = 0.08


STORIES = [
    Story(
        "Upgrade Exchange mailbox servers to the latest cumulative update",
        "email",
        ("EXCH-MBX-01", "EXCH-MBX-02"),
        "Software release",
        "collaboration-support",
        "Install the vendor's cumulative update on both mailbox servers, one at a time.",
        "The current update is out of support and misses two security fixes.",
        "Move the active databases to MBX-02, patch MBX-01, move back, patch MBX-02.",
        "Uninstall the update from the patched node and fail the databases back.",
        impact=2,
        failure_rate=0.12,
    ),
    Story(
        "Firewall rule change for the new payroll provider",
        "network",
        ("FW-EDGE-01",),
        "Network",
        "network-operations",
        "Open outbound HTTPS from the payroll servers to the provider's two addresses.",
        "Payroll moves to the new provider in the next pay cycle.",
        "Add the rules in the staging policy, review, push to the edge firewall.",
        "Remove the two rules and push the previous policy.",
        impact=3,
        failure_rate=0.05,
    ),
    Story(
        "Core switch firmware upgrade in DC1",
        "network",
        ("CORE-SW-01",),
        "Network",
        "network-operations",
        "Upgrade the DC1 core switch pair to the vendor's recommended firmware.",
        "The running firmware has a known memory leak that caused two reboots this year.",
        "Upgrade the standby supervisor, switch over, upgrade the other one.",
        "Boot the previous image from the backup partition.",
        impact=1,
        outage_minutes=20,
        failure_rate=0.2,
    ),
    Story(
        "Apply SAP support package to the production finance system",
        "erp-finance",
        ("SAP-PRD-APP01", "SAP-PRD-APP02", "SAP S/4HANA Finance"),
        "Software release",
        "erp-support",
        "Import the quarterly support package stack into production.",
        "Legal changes for the new tax year are in this package.",
        "Import in the maintenance window after the month-end close; run the regression suite.",
        "Restore the system from the snapshot taken before the import.",
        impact=1,
        outage_minutes=240,
        failure_rate=0.18,
    ),
    Story(
        "Increase HANA memory allocation",
        "erp-finance",
        ("HANA-PRD-DB01",),
        "Database",
        "database-administration",
        "Raise the global allocation limit after the hardware memory upgrade.",
        "Month-end reports ran out of memory twice last quarter.",
        "Change the parameter online and watch the memory for an hour.",
        "Set the parameter back to its previous value.",
        impact=2,
        failure_rate=0.06,
    ),
    Story(
        "PostgreSQL minor version upgrade on the HR cluster",
        "hr-portal",
        ("PG-PRD-CL01",),
        "Database",
        "database-administration",
        "Rolling minor upgrade of the HR portal's database cluster.",
        "Minor release fixes a replication bug we hit in March.",
        "Upgrade the replica, fail over, upgrade the old primary.",
        "Fail back to the node still on the previous version.",
        impact=2,
        outage_minutes=5,
        failure_rate=0.1,
    ),
    Story(
        "Roll out the new VPN client profile",
        "vpn",
        ("VPN-GW-01",),
        "Configuration",
        "network-operations",
        "Push the new VPN profile with split tunnelling to all laptops.",
        "Video calls over the VPN saturate the gateway.",
        "Publish the profile to a pilot group, then to everyone after a day.",
        "Republish the previous profile.",
        impact=2,
        failure_rate=0.15,
    ),
    Story(
        "Renew the TLS certificate of the HR portal",
        "hr-portal",
        ("HR Portal Web",),
        "Security patch",
        "erp-support",
        "Install the renewed certificate on the HR portal's load balancer.",
        "The certificate expires in three weeks.",
        "Upload the certificate, bind it, test from outside.",
        "Bind the old certificate again (still valid).",
        impact=3,
        failure_rate=0.03,
    ),
    Story(
        "Migrate file shares to the new NAS volume",
        "file-storage",
        ("NAS-FILES-01", "SAN-DC1"),
        "Hardware",
        "server-and-storage",
        "Move the department shares to the new volume with a final delta copy.",
        "The old volume is 94 % full and out of warranty.",
        "Copy, freeze writes, delta copy, switch the DFS targets.",
        "Switch the DFS targets back to the old volume.",
        impact=2,
        outage_minutes=60,
        failure_rate=0.14,
    ),
    Story(
        "Add conditional access policy for administrators",
        "directory",
        ("Entra ID",),
        "Access and identity",
        "identity-and-access",
        "Require phishing-resistant MFA for every administrator role.",
        "Audit finding: administrators can sign in with SMS codes.",
        "Enable the policy in report-only mode for a week, then enforce it.",
        "Switch the policy back to report-only.",
        impact=2,
        failure_rate=0.07,
    ),
]

TEMPLATES = [
    (
        "Restart a print spooler",
        "Restart the spooler service on the print server to clear stuck queues.",
        "printing",
        ("PRINT-SRV-01",),
        "end-user-computing",
        "Announce a 5-minute break in printing; restart the spooler; print a test page.",
        "Nothing to undo: start the service if it does not come back.",
        1,
    ),
    (
        "Add a VLAN to an access switch port",
        "Assign an existing VLAN to an access port on request.",
        "network",
        ("CORE-SW-02",),
        "network-operations",
        "Change the port's access VLAN; check the device gets an address.",
        "Set the previous VLAN again.",
        1,
    ),
    (
        "Monthly Windows server patching",
        "Install the month's security updates on the Windows servers of one hosting cluster.",
        "hosting",
        ("ESX-CL-DC1",),
        "server-and-storage",
        "Patch in rolling order through the patch tool; reboot; check services.",
        "Uninstall the month's updates from any server that misbehaves.",
        2,
    ),
    (
        "Increase a mailbox quota",
        "Raise one mailbox's quota within the allowed sizes.",
        "email",
        ("M365 Tenant",),
        "collaboration-support",
        "Set the new quota in the admin centre.",
        "Set the previous quota.",
        1,
    ),
]


def _people() -> tuple[list[User], User | None]:
    agents = list(User.objects.filter(kind=UserKind.AGENT, is_active=True).order_by("username"))
    manager = (
        User.objects.filter(process_roles__process=Process.CHANGE, process_roles__role=Role.MANAGER)
        .order_by("username")
        .first()
    )
    return agents, manager


def _templates(
    by_slug: dict[str, Service],
    cis: dict[str, ConfigurationItem],
    teams: dict[str, Team],
    agents: list[User],
    manager: User | None,
    now: dt.datetime,
) -> list[ChangeTemplate]:
    # A practitioner of the change process proposes; the change manager decides.
    practitioners = User.objects.filter(
        process_roles__process=Process.CHANGE, process_roles__role=Role.PRACTITIONER
    ).order_by("username")
    proposer = practitioners.first() or next((a for a in agents if a != manager), None)
    approved = []
    for index, (name, description, service, ci_names, team, plan, backout, risk) in enumerate(
        TEMPLATES
    ):
        template = services.do_propose_template(
            actor=proposer,
            at=now - dt.timedelta(days=DAYS + 30 - index),
            name=name,
            description=description,
            implementation_plan=plan,
            backout_plan=backout,
            assignment_group=teams.get(team),
            risk=risk,
            services=[by_slug[service]] if service in by_slug else [],
            configuration_items=[cis[n] for n in ci_names if n in cis],
        )
        approved.append(
            services.do_decide_template(
                template,
                approve=True,
                actor=manager,
                at=now - dt.timedelta(days=DAYS + 29 - index),
            )
        )
    # One waiting for the change manager's decision.
    services.do_propose_template(
        actor=proposer,
        at=now - dt.timedelta(days=3),
        name="Reset a user's MFA registration",
        description="Clear a user's MFA methods after identity proofing at the desk.",
        implementation_plan="Verify identity in person; clear the methods; user re-registers.",
        backout_plan="None needed: the user registers again.",
        services=[by_slug["directory"]] if "directory" in by_slug else [],
    )
    return approved


def _final_state(rng: random.Random, age_days: float) -> str:
    """Where a change raised `age_days` ago stands today."""
    if age_days < 4:
        return rng.choice(["draft", "assess", "authorise", "authorise", "scheduled"])
    if age_days < 12:
        return rng.choice(["authorise", "scheduled", "scheduled", "implement", "review"])
    if age_days < 25:
        return rng.choice(["review", "closed", "closed", "closed"])
    roll = rng.random()
    if roll < 0.05:
        return "cancelled"
    if roll < 0.09:
        return "rejected"
    return "closed"


def _outcome(rng: random.Random, story: Story | None, change: Change, hurried: bool) -> str:
    rate = story.failure_rate if story else 0.03
    rate *= {1: 0.5, 2: 1.0, 3: 1.6, 4: 2.2}[change.risk]
    if hurried:
        rate *= 1.8
    roll = rng.random()
    if roll < rate * 0.6:
        return ClosureCode.FAILED
    if roll < rate:
        return ClosureCode.BACKED_OUT
    if roll < rate + 0.1:
        return ClosureCode.SUCCESSFUL_WITH_ISSUES
    return ClosureCode.SUCCESSFUL


def load_changes() -> dict[str, int]:
    # The demo's own changes (those an imported incident log names are not theirs to count).
    if Change.objects.filter(imported_from="").exists():
        return {"changes": 0}
    rng = random.Random(SEED)
    now = timezone.now().replace(second=0, microsecond=0)
    agents, manager = _people()
    if not agents:
        return {"changes": 0}
    for name in CATEGORIES:
        services.do_create_change_category(name=name, actor=None)
    categories = {c.name: c for c in ChangeCategory.objects.all()}
    by_slug = {s.slug: s for s in Service.objects.all()}
    cis = {ci.name: ci for ci in ConfigurationItem.objects.all()}
    teams = {t.slug: t for t in Team.objects.filter(is_active=True)}
    members = {slug: list(t.members.filter(kind=UserKind.AGENT)) for slug, t in teams.items()}
    templates = _templates(by_slug, cis, teams, agents, manager, now)
    # Raised at even spacing over the year, so no two planned windows overlap.
    # One normal change, a third into the year, started three hours before its authorisation.
    unauthorised_pending = True
    for index in range(COUNT):
        raised = now - dt.timedelta(days=DAYS) + dt.timedelta(days=DAYS * index / COUNT)
        age = (now - raised).total_seconds() / 86400
        roll = rng.random()
        change_type = (
            ChangeType.STANDARD
            if roll < 0.35
            else ChangeType.EMERGENCY
            if roll < 0.43
            else ChangeType.NORMAL
        )
        story = None if change_type == ChangeType.STANDARD else rng.choice(STORIES)
        template = rng.choice(templates) if change_type == ChangeType.STANDARD else None
        team_slug = story.team if story else (template.assignment_group.slug)
        team = teams.get(team_slug)
        implementer = rng.choice(members.get(team_slug) or agents)
        requester = rng.choice(agents)
        # Planned six days after raising (emergencies four hours), to the hour: with the
        # changes ~29 hours apart, no two planned windows overlap.
        lead = dt.timedelta(hours=4) if change_type == "emergency" else dt.timedelta(days=6)
        start = (raised + lead).replace(minute=0)
        end = start + dt.timedelta(hours=rng.choice([1, 2, 3]))
        common = {
            "requester": requester,
            "owner": requester,
            "assignment_group": team,
            "implementer": implementer,
            "planned_start": start,
            "planned_end": end,
        }
        if template is not None:
            change = services.do_raise_change(
                actor=requester,
                at=raised,
                change_type="standard",
                template=template,
                title=template.name,
                **common,
            )
        else:
            change = services.do_raise_change(
                actor=requester,
                at=raised,
                change_type=change_type,
                title=story.title,
                description=story.description,
                justification=story.justification,
                implementation_plan=story.implementation,
                backout_plan=story.backout,
                test_plan="Check the service's monitoring and a user test after the change.",
                category=categories[story.category],
                impact=story.impact,
                urgency=1 if change_type == "emergency" else rng.choice([2, 3]),
                expected_outage=story.outage_minutes is not None,
                outage_minutes=story.outage_minutes,
                services=[by_slug[story.service]] if story.service in by_slug else [],
                configuration_items=[cis[n] for n in story.cis if n in cis],
                **common,
            )
        flag = unauthorised_pending and index > COUNT // 3 and change_type == ChangeType.NORMAL
        _live(change, requester, manager, rng, raised, age, now, story, flag)
        if flag and Change.objects.filter(pk=change.pk, unauthorised=True).exists():
            unauthorised_pending = False
    _now_and_next(rng, requester, manager, by_slug, cis, teams, members, categories, now)
    _failures_seen(rng, now)
    _decide_caused(rng, manager or agents[0], now)
    return {"changes": Change.objects.count(), "standard change templates": len(TEMPLATES) + 1}


class _Future(Exception):
    """The next step of a change's life has not happened yet."""


def _live(
    change: Change,
    actor: User,
    manager: User | None,
    rng: random.Random,
    raised: dt.datetime,
    age: float,
    now: dt.datetime,
    story: Story | None,
    unauthorised: bool,
) -> None:
    final = _final_state(rng, age)
    if change.change_type == ChangeType.STANDARD and final in ("assess", "authorise", "rejected"):
        final = "scheduled" if final != "rejected" else "closed"
    if change.change_type == ChangeType.EMERGENCY and final in ("assess", "scheduled"):
        final = "authorise"
    replay = _Replay(change, actor, manager, rng, story, now)
    path = {
        ChangeType.NORMAL: ["assess", "authorise", "scheduled", "implement", "review", "closed"],
        ChangeType.STANDARD: ["scheduled", "implement", "review", "closed"],
        ChangeType.EMERGENCY: ["authorise", "implement", "review", "closed"],
    }[ChangeType(change.change_type)]
    if final == "draft":
        return
    try:
        if final == "cancelled":
            for state in path[: rng.choice([1, 2])]:
                replay.step(state, raised, authorise=True)
            replay.move(
                "cancelled",
                replay.when(raised + dt.timedelta(days=2)),
                closure_notes=rng.choice(
                    [
                        "The vendor withdrew the release.",
                        "Replaced by a later change.",
                        "The business postponed the project.",
                    ]
                ),
            )
        elif final == "rejected":
            for state in path[: path.index("authorise") + 1]:
                replay.step(state, raised, authorise=False)
            services.do_decide_authorisation(
                change,
                authorised=False,
                actor=manager,
                note="The back-out plan was not tested; raise it again with a tested one.",
                at=replay.when(raised + dt.timedelta(days=1)),
            )
        else:
            for state in path[: path.index(final) + 1]:
                last = state == final
                replay.step(
                    state,
                    raised,
                    authorise=not (last and final == "authorise"),
                    unauthorised=unauthorised,
                )
    except _Future:
        return


class _Replay:
    """One change's life, each step through the services at its own time (never later than
    now: a step whose time has not come stops the replay there)."""

    def __init__(
        self,
        change: Change,
        actor: User,
        manager: User | None,
        rng: random.Random,
        story: Story | None,
        now: dt.datetime,
    ) -> None:
        self.change, self.actor, self.manager = change, actor, manager
        self.rng, self.story, self.now = rng, story, now

    def when(self, at: dt.datetime) -> dt.datetime:
        if at > self.now:
            raise _Future
        return at

    def move(self, state: str, at: dt.datetime, **kwargs: object) -> None:
        services.do_move_change(
            self.change,
            state,
            actor=self.actor,
            expected_version=None,
            at=at,
            notify=False,
            **kwargs,
        )

    def step(
        self, state: str, raised: dt.datetime, *, authorise: bool, unauthorised: bool = False
    ) -> None:
        change, rng = self.change, self.rng
        start, end = change.planned_start, change.planned_end
        if state == "assess":
            self.move("assess", self.when(raised + dt.timedelta(minutes=30)))
        elif state == "authorise":
            self.move("authorise", self.when(raised + dt.timedelta(hours=1)))
            if authorise:
                authorised_at = min(
                    raised + dt.timedelta(hours=20), start - dt.timedelta(minutes=30)
                )
                authorised_at = max(authorised_at, raised + dt.timedelta(hours=1, minutes=5))
                services.do_decide_authorisation(
                    change, authorised=True, actor=self.manager, at=self.when(authorised_at)
                )
        elif state == "scheduled":
            at = (change.authorised_at or raised) + dt.timedelta(minutes=10)
            self.move("scheduled", self.when(at))
        elif state == "implement":
            actual = start
            if unauthorised and change.authorised_at is not None:
                actual = change.authorised_at - dt.timedelta(hours=3)
            self.move("implement", self.when(max(start, actual)), actual=actual)
        elif state == "review":
            overrun = dt.timedelta(minutes=rng.choice([-20, 0, 0, 15, 45]))
            self.move("review", self.when(end + overrun))
            hurried = change.change_type == ChangeType.EMERGENCY
            outcome = _outcome(rng, self.story, change, hurried)
            self.outcome = outcome
            services.do_record_review(
                change,
                objectives_met=outcome
                in (ClosureCode.SUCCESSFUL, ClosureCode.SUCCESSFUL_WITH_ISSUES),
                lessons_learned=LESSONS.get(outcome, ""),
                actor=self.actor,
                expected_version=None,
                at=self.when(end + dt.timedelta(days=1)),
            )
        elif state == "closed":
            outcome = getattr(self, "outcome", ClosureCode.SUCCESSFUL)
            self.move(
                "closed",
                self.when(end + dt.timedelta(days=rng.choice([2, 3, 5]))),
                closure_code=outcome,
                closure_notes=CLOSURE_NOTES[outcome],
            )


LESSONS = {
    ClosureCode.SUCCESSFUL_WITH_ISSUES: "The window was too short for the checks; plan 30 "
    "minutes more next time.",
    ClosureCode.FAILED: "The pre-checks did not cover the failing dependency; add it to the "
    "test plan.",
    ClosureCode.BACKED_OUT: "Backed out cleanly within the window; the vendor's fix is needed "
    "before trying again.",
}
CLOSURE_NOTES = {
    ClosureCode.SUCCESSFUL: "Done as planned; monitoring clean.",
    ClosureCode.SUCCESSFUL_WITH_ISSUES: "Done, with a short overrun and one alert that cleared.",
    ClosureCode.FAILED: "The service degraded after the change; fixed forward the next day.",
    ClosureCode.BACKED_OUT: "Backed out after the smoke test failed.",
}


def _now_and_next(
    rng: random.Random,
    requester: User,
    manager: User | None,
    by_slug: dict[str, Service],
    cis: dict[str, ConfigurationItem],
    teams: dict[str, Team],
    members: dict[str, list[User]],
    categories: dict[str, ChangeCategory],
    now: dt.datetime,
) -> None:
    """What is under way today: a change being implemented right now, and two drafts."""
    story = STORIES[5]
    team = teams.get(story.team)
    raised = now - dt.timedelta(days=6, hours=3)
    start = now.replace(minute=0) - dt.timedelta(hours=1)
    change = services.do_raise_change(
        actor=requester,
        at=raised,
        title=story.title,
        description=story.description,
        justification=story.justification,
        implementation_plan=story.implementation,
        backout_plan=story.backout,
        category=categories[story.category],
        impact=story.impact,
        urgency=2,
        requester=requester,
        owner=requester,
        assignment_group=team,
        implementer=(members.get(story.team) or [requester])[0],
        planned_start=start,
        planned_end=start + dt.timedelta(hours=3),
        expected_outage=True,
        outage_minutes=story.outage_minutes,
        services=[by_slug[story.service]] if story.service in by_slug else [],
        configuration_items=[cis[n] for n in story.cis if n in cis],
    )
    replay = _Replay(change, requester, manager, rng, story, now)
    for state in ("assess", "authorise", "scheduled", "implement"):
        replay.step(state, raised, authorise=True)
    for story, hours in ((STORIES[1], 5), (STORIES[7], 1)):
        services.do_raise_change(
            actor=requester,
            at=now - dt.timedelta(hours=hours),
            title=story.title,
            description=story.description,
            category=categories[story.category],
            requester=requester,
            services=[by_slug[story.service]] if story.service in by_slug else [],
        )


def _failures_seen(rng: random.Random, now: dt.datetime) -> None:
    """A failed or backed-out change of the last 90 days degraded its service: the service
    desk logged an incident half an hour after it (the incident services, at that time)."""
    from kaizen.incidents import services as incident_services

    caller = User.objects.filter(kind=UserKind.REQUESTER, is_active=True).order_by("pk").first()
    recent = Change.objects.filter(
        closure_code__in=(ClosureCode.FAILED, ClosureCode.BACKED_OUT),
        actual_end__gte=now - dt.timedelta(days=90),
    ).prefetch_related("services", "configuration_items")
    for change in recent:
        service = change.services.first()
        if caller is None or service is None:
            continue
        opened = change.actual_end + dt.timedelta(minutes=rng.choice([20, 35, 50]))
        incident_services.do_open_incident(
            actor=change.implementer,
            at=opened,
            notify=False,
            caller=caller,
            channel="phone",
            service=service,
            configuration_item=change.configuration_items.first(),
            impact=2,
            urgency=1,
            short_description=f"{service.name} degraded since last night's maintenance",
            description="Users report errors since the change window ended.",
        )
        services.do_propose_caused_incidents(change, at=opened + dt.timedelta(hours=1))


def _decide_caused(rng: random.Random, person: User, now: dt.datetime) -> None:
    """A person went through the proposals: the failed changes' are mostly confirmed, the
    others mostly dismissed; recent ones wait."""
    proposals = (
        Change.objects.filter(caused_incidents__status=CausedIncidentStatus.PROPOSED)
        .distinct()
        .prefetch_related("caused_incidents")
    )
    for change in proposals:
        failed = change.closure_code in (ClosureCode.FAILED, ClosureCode.BACKED_OUT)
        for link in change.caused_incidents.all():
            if change.state == State.REVIEW and rng.random() < 0.5:
                continue
            confirm = rng.random() < (0.7 if failed else 0.15)
            services.do_decide_caused_incident(
                link,
                confirmed=confirm,
                actor=person,
                reason="" if confirm else "Unrelated: a user's own device problem.",
                at=min(now, (change.actual_end or now) + dt.timedelta(days=2)),
            )
