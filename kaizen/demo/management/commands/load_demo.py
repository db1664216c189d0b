"""`kaizen load_demo`: the demo organisation. Idempotent: a re-run adds only what is missing.

It says what it is doing before each step, and shows the two long ones, the import of the real
history (a couple of minutes the first time) and the replay of the demo's own incidents, as a
progress bar on a terminal, or as a plain line every 10 seconds when its output goes to a log.
"""

import json
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from kaizen.analytics.sync import sync
from kaizen.core.context import correlation
from kaizen.core.progress import Progress
from kaizen.demo.availability import load_availability
from kaizen.demo.catalog import load_catalog
from kaizen.demo.changes import load_changes
from kaizen.demo.changes_cab import load as load_cab
from kaizen.demo.changes_calendar import load as load_change_calendar
from kaizen.demo.changes_risk import load as load_change_risk
from kaizen.demo.improvement import load_improvement
from kaizen.demo.incidents import load_incidents
from kaizen.demo.people import load_people
from kaizen.demo.problems import load_problems
from kaizen.demo.requests import load_requests
from kaizen.demo.servicelevels import load_service_reviews, load_servicelevels
from kaizen.demo.servicenow import import_servicenow_log, servicenow_imported, servicenow_log
from kaizen.demo.sla import load_sla
from kaizen.demo.surveys import load_surveys
from kaizen.imports.models import ImportRun
from kaizen.improvement.services import do_scan_opportunities
from kaizen.kpis.collection import collect_history
from kaizen.people import services as people_services
from kaizen.people.models import User


def demo_credentials() -> dict[str, str]:
    """The admin's and the demo users' password: made once, kept under the data folder."""
    path = settings.DATA_DIR / "demo-credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    credentials = {"username": "admin", "password": secrets.token_urlsafe(12)}
    path.write_text(json.dumps(credentials))
    path.chmod(0o600)
    return credentials


class Command(BaseCommand):
    help = (
        "Load the demo organisation (teams, people in every role, services, CIs, SLAs, "
        "incidents) and the real ServiceNow incident history when its file is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--without-servicenow",
            action="store_true",
            help="do not import the ServiceNow event log (faster; no real history)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = demo_credentials()
        self._say("Demo organisation: teams, people, services, calendars and SLAs ...")
        with correlation(), transaction.atomic():
            if not User.objects.filter(username=credentials["username"]).exists():
                people_services.do_create_administrator(
                    actor=None,
                    username=credentials["username"],
                    first_name="Demo",
                    last_name="Administrator",
                    email="admin@example.com",
                    password=credentials["password"],
                )
            people = load_people(credentials["password"])
            catalog = load_catalog()
            # Calendars and SLAs before incidents, so every demo incident gets its clocks.
            sla = load_sla()
        # The real history first: it keeps its own numbers (INC0000045...), and the demo's
        # incidents then take numbers after the highest imported one.
        imported = self._import_servicenow(options["without_servicenow"])
        incidents = self._load_incidents()
        changes = self._load_changes()
        problems = self._load_problems()
        availability = self._load_availability()
        agreements = self._load_servicelevels()
        surveys = self._load_surveys()
        requests = self._load_requests()
        added = {
            **people,
            **catalog,
            **sla,
            **imported,
            **incidents,
            **changes,
            **problems,
            **availability,
            **agreements,
            **surveys,
            **requests,
        }
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        self._say(f"Demo data: added {summary}.")
        report = sync()
        self._say(f"Analytics store: synced {report.written()}.")
        # The register before the collection, so its own KPIs are measured with it; the scan
        # after it, as it reads the stored measurements.
        self._load_improvement(has_history=bool(imported) or servicenow_imported())
        self._say("KPI measurements: measuring every KPI over the whole history ...")
        measured = collect_history()
        self._say(f"KPI measurements: {measured.measurements} stored.")
        found = do_scan_opportunities()
        self._say(f"Improvement opportunities: {len(found.created)} new.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sign in as {credentials['username']} / {credentials['password']} (administrator). "
                f"Every demo person (e.g. maria.lopez, agent; emma.jones, requester) has the same "
                f"password."
            )
        )

    def _say(self, line: str) -> None:
        # Flushed at once: piped into a log, stdout would otherwise hold the lines back.
        self.stdout.write(line)
        self.stdout.flush()

    def _load_improvement(self, *, has_history: bool) -> None:
        if not has_history:
            self._say("Improvement register: its demo initiatives need the real history.")
        else:
            with correlation(), transaction.atomic():
                added = load_improvement()
            if added:
                summary = ", ".join(f"{count} {name}" for name, count in added.items())
                self._say(f"Improvement register: {summary}.")

    def _load_incidents(self) -> dict[str, int]:
        self._say("Demo incidents: replaying the last 90 days through the incident services ...")
        with (
            Progress(self.stdout._out, "Demo incidents", unit=" incidents") as bar,
            correlation(),
            transaction.atomic(),
        ):
            return load_incidents(on_progress=lambda done, of: bar.update(done, total=of))

    def _load_changes(self) -> dict[str, int]:
        # After the incidents: a recent change's candidates for the incidents it caused are the
        # incidents opened on its services after it.
        self._say("Demo changes: replaying a year of change requests ...")
        with correlation(), transaction.atomic():
            added = load_changes()
            # The CAB: members, a weekly meeting with this week's agenda, votes under way.
            added.update(load_cab())
            # The calendar's blackout and maintenance windows, an acknowledged conflict.
            added.update(load_change_calendar(timezone.now()))
            # Risk questionnaires answered on open changes, the estimates changes had when
            # they were authorised.
            added.update(load_change_risk())
            return added

    def _load_problems(self) -> dict[str, int]:
        # After the incidents: each problem explains the demo incidents of its kind.
        self._say("Demo problems: investigating the recurring incidents ...")
        with correlation(), transaction.atomic():
            return load_problems()

    def _load_surveys(self) -> dict[str, int]:
        # After the incidents: surveys are drawn from their resolutions in the journal.
        self._say("Demo surveys: a year of satisfaction surveys, answers and follow-ups ...")
        with correlation(), transaction.atomic():
            return load_surveys(timezone.now())

    def _load_availability(self) -> dict[str, int]:
        # After the incidents and changes: outages are proposed from their major incidents and
        # failed changes; planned work is judged against the change calendar's windows.
        self._say("Demo availability: targets and a year of outages ...")
        with correlation(), transaction.atomic():
            return load_availability(timezone.now())

    def _load_servicelevels(self) -> dict[str, int]:
        self._say("Demo service levels: customers, suppliers, a year of agreements and reviews ...")
        with correlation(), transaction.atomic():
            added = load_servicelevels(timezone.now())
            added.update(load_service_reviews(timezone.now()))
            return added

    def _load_requests(self) -> dict[str, int]:
        # After the people, catalogue and SLAs: the managers who approve, the offerings made
        # requestable, the request SLA definitions (kaizen/demo/requests.py).
        self._say("Demo service requests: a year of requests, approvals and tasks ...")
        started = time.monotonic()
        with correlation(), transaction.atomic():
            added = load_requests(timezone.now())
        self._say(f"Demo service requests: {time.monotonic() - started:.1f} s.")
        return added

    def _import_servicenow(self, skip: bool) -> dict[str, int]:
        path = None if skip else servicenow_log()
        if path is None:
            if not skip:
                self._say("ServiceNow event log not found: demo without real history.")
            return {}
        self._say(
            f"Importing the ServiceNow incident history (a couple of minutes the first time) "
            f"from {path} ..."
        )
        with Progress(
            self.stdout._out, path.name, total=path.stat().st_size, unit="B", unit_scale=True
        ) as bar:

            def progress(run: ImportRun) -> None:
                bar.update(
                    run.bytes_read,
                    total=run.bytes_total,
                    rows=run.rows_read,
                    created=run.records_created,
                )

            run = import_servicenow_log(path, on_progress=progress)
        return {"imported ServiceNow incidents": run.records_created}
