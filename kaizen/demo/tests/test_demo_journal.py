"""Over the demo (with a slice of the real ServiceNow history imported, so importers' records
are in too), folding each record's journal events gives its stored fields, and every writer's
events (services, importers, seeders) form one unbroken hash chain."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kaizen.demo.availability import load_availability
from kaizen.demo.catalog import load_catalog
from kaizen.demo.changes import load_changes
from kaizen.demo.changes_calendar import load as load_change_calendar
from kaizen.demo.incidents import load_incidents
from kaizen.demo.management.commands.load_demo import Command
from kaizen.demo.people import load_people
from kaizen.demo.requests import load_requests
from kaizen.demo.servicelevels import load_service_reviews, load_servicelevels
from kaizen.demo.sla import load_sla
from kaizen.imports.tests.conftest import read_dataset, write_csv
from kaizen.testing import PASSWORD

# Each step commits on its own, as in `kaizen load_demo`: one transaction open for the whole
# load would hold back the journal feed of a test running beside it on PostgreSQL (the feed
# waits for every older transaction, see kaizen/journal/selectors.py).
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_journal_of_the_demo_rebuilds_every_record(tmp_path, monkeypatch):
    header, rows = read_dataset(200)
    monkeypatch.setenv("KAIZEN_SERVICENOW_LOG", str(write_csv(tmp_path / "log.csv", header, rows)))
    # load_demo's steps that write records (its KPI collection and scans write none of these).
    load_people(PASSWORD)
    load_catalog()
    load_sla()
    Command(stdout=StringIO())._import_servicenow(skip=False)
    load_incidents()
    load_changes()
    load_change_calendar(timezone.now())
    load_availability(timezone.now())
    load_servicelevels(timezone.now())
    load_service_reviews(timezone.now())
    load_requests(timezone.now(), count=300)
    out = StringIO()
    call_command("journal", "verify", stdout=out)  # exits with status 1 on any mismatch
    lines = out.getvalue().splitlines()
    counted = {}
    for line in lines[:-2]:
        kind, records, events = re.fullmatch(
            r"(\S+): (\d+) records?, (\d+) events?: the journal matches", line
        ).groups()
        counted[kind] = (int(records), int(events))
    demo_kinds = {
        "availability.outage",
        "availability.target",
        "catalog.ci",
        "catalog.offering",
        "catalog.service",
        "changes.change",
        "incidents.category",
        "incidents.incident",
        "people.team",
        "people.user",
        "requests.request",
        "requests.request_type",
        "requests.task",
        "servicelevels.agreement",
        "servicelevels.customer",
        "servicelevels.review",
        "servicelevels.review_action",
        "servicelevels.supplier",
        "servicelevels.terms",
        "sla.calendar",
        "sla.definition",
    }
    assert demo_kinds <= set(counted)  # and the kinds the demo has none of (custom KPIs)
    # Every kind of the demo is there, each record with at least its created event.
    assert all(counted[kind][1] >= counted[kind][0] > 0 for kind in demo_kinds), counted
    assert counted["incidents.incident"][0] >= 200  # the imported ones and the demo's own
    # The demo's own changes besides those the imported log names (known only by reference).
    from kaizen.changes.models import Change

    assert Change.objects.filter(reference_only=True).exists()
    assert Change.objects.filter(imported_from="").count() >= 250
    assert lines[-2].startswith("The journal matches the data: ")
    assert lines[-1].startswith("The journal's hash chain is unbroken: ")
